/**
 * The grid of a heatmap drawn with Plot cell marks, read from the plot's own marks: for each cell
 * mark, its rows' x, y and fill values (through the mark's channels: a field name, a function or
 * an array, as Plot accepts them). The keyboard (figureKeys.ts) moves over the x × y bands and
 * announces the value under the selection. Pure, so it is tested without a DOM.
 */

type ChannelValue = string | ((d: unknown, i: number, data: readonly unknown[]) => unknown) | readonly unknown[] | { transform: (data: unknown) => unknown };

interface MarkLike {
  data?: unknown;
  channels?: Record<string, { value?: ChannelValue; label?: string } | undefined>;
}

export interface GridCell {
  x: unknown;
  y: unknown;
  fill: unknown;
}

/** One channel's value for each row of `data` (undefined where the channel is absent). */
export function channelValues(channel: { value?: ChannelValue } | undefined, data: readonly unknown[]): unknown[] {
  const v = channel?.value;
  if (v === undefined || v === null) return data.map(() => undefined);
  if (typeof v === 'string') return data.map((d) => (d as Record<string, unknown> | null)?.[v]);
  if (typeof v === 'function') return data.map((d, i) => v(d, i, data));
  if (Array.isArray(v)) return data.map((_, i) => (v as readonly unknown[])[i]);
  if (typeof (v as { transform?: unknown }).transform === 'function') {
    const out = (v as { transform: (data: unknown) => unknown }).transform(data);
    return Array.isArray(out) ? out : data.map(() => undefined);
  }
  return data.map(() => undefined);
}

/** Cell marks of a plot (Plot.Cell instances, passed as the constructor to keep this module free of Plot). */
export function cellMarks(marks: readonly unknown[] | undefined, isCell: (m: unknown) => boolean): MarkLike[] {
  return (marks ?? []).flat(Infinity as 1).filter((m) => m && isCell(m)) as MarkLike[];
}

/** Every cell the marks draw, in mark order (a later mark's cell at the same place wins in `cellAt`). */
export function gridCells(marks: readonly MarkLike[]): GridCell[] {
  const out: GridCell[] = [];
  for (const m of marks) {
    const data = Array.isArray(m.data) ? (m.data as unknown[]) : [];
    if (!data.length) continue;
    const xs = channelValues(m.channels?.x, data),
      ys = channelValues(m.channels?.y, data),
      fills = channelValues(m.channels?.fill, data);
    data.forEach((_, i) => out.push({ x: xs[i], y: ys[i], fill: fills[i] }));
  }
  return out;
}

/** The first cell at (x, y) that has a numeric fill, else the first cell there at all. */
export function cellAt(cells: readonly GridCell[], x: unknown, y: unknown): GridCell | undefined {
  const here = cells.filter((c) => String(c.x) === String(x) && String(c.y) === String(y));
  return here.find((c) => typeof c.fill === 'number') ?? here[0];
}

/** What a screen reader says for a selected cell: "layer 3 × layer 5: DOCS 0.41". */
export function cellAnnouncement(
  labels: { x?: string | null; y?: string | null; fill?: string | null },
  x: unknown,
  y: unknown,
  cell: GridCell | undefined,
  format: (v: number) => string,
): string {
  const name = (label: string | null | undefined, v: unknown) => (label ? `${label} ${String(v)}` : String(v));
  const where = `${name(labels.y, y)} × ${name(labels.x, x)}`;
  const f = cell?.fill;
  if (typeof f === 'number') return `${where}: ${labels.fill ? `${labels.fill} ` : ''}${Number.isFinite(f) ? format(f) : String(f)}`;
  return `${where}: no value`;
}
