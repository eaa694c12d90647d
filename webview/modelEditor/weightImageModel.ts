/**
 * The |W| image as the statistics pane draws it, without a DOM: the cells of one slice in the
 * chosen pooling (max or mean |w|), their colour positions on a linear or log scale, the cell under
 * a point of the drawing, and what the pointer readout says about it (rows, columns, value).
 */
import type { WeightImage } from '../../src/analysis/stats/weightImage';
import { cellRange } from '../../src/analysis/stats/weightImage';

export type Pooling = 'max' | 'mean';

/** One slice's cells (row-major, gridRows × gridCols) in the chosen pooling; null where a cell holds no finite value. */
export function sliceCells(image: WeightImage, slice: number, pooling: Pooling): (number | null)[] {
  const per = image.gridRows * image.gridCols;
  const all = pooling === 'max' ? image.max : image.mean;
  return all.slice(slice * per, (slice + 1) * per);
}

/** The colour domain of the cells: [smallest, largest] value, and for a log scale the smallest positive one (at least largest × 10⁻⁶). */
export function colourDomain(cells: readonly (number | null)[], log: boolean): [number, number] | null {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of cells) {
    if (v === null) continue;
    if (v > hi) hi = v;
    if (v < lo && (!log || v > 0)) lo = v;
  }
  if (hi === -Infinity) return null;
  if (log) {
    if (hi <= 0) return null;
    lo = Math.max(lo === Infinity ? hi : lo, hi * 1e-6);
  }
  return [lo, hi];
}

/** Where a value sits on the colour scale, 0 … 1 (clamped); log scales map log10(value). */
export function colourPosition(v: number, domain: [number, number], log: boolean): number {
  const [lo, hi] = domain;
  if (hi <= lo) return 1;
  const t = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
  return Math.min(1, Math.max(0, t));
}

/** The grid cell under a point of a drawing `width` × `height` pixels that shows the whole grid, or null outside it. */
export function cellAtPoint(image: WeightImage, x: number, y: number, width: number, height: number): { row: number; col: number } | null {
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  return { row: Math.floor((y * image.gridRows) / height), col: Math.floor((x * image.gridCols) / width) };
}

/** The readout for a cell: the tensor rows and columns it covers and its value. */
export function cellReadout(image: WeightImage, slice: number, row: number, col: number, pooling: Pooling, sliceLabel: string): string {
  const [r0, r1] = cellRange(row, image.rows, image.gridRows);
  const [c0, c1] = cellRange(col, image.cols, image.gridCols);
  const v = sliceCells(image, slice, pooling)[row * image.gridCols + col];
  const span = (a: number, b: number) => (a === b ? `${a}` : `${a}–${b}`);
  const value = v === null || v === undefined ? 'no finite value' : `${pooling} |w| ${formatCell(v)}`;
  return `${image.slices > 1 ? `${sliceLabel} · ` : ''}rows ${span(r0, r1)} · columns ${span(c0, c1)} · ${value}`;
}

function formatCell(v: number): string {
  return v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(3);
}

/** Ticks for an axis of `n` tensor rows or columns drawn over `pixels`: about five round indices, with their pixel positions. */
export function axisTicks(n: number, pixels: number): { index: number; at: number }[] {
  const raw = n / 5;
  const p = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: { index: number; at: number }[] = [];
  for (let i = 0; i < n; i += step) out.push({ index: i, at: (i / n) * pixels });
  return out;
}
