/**
 * A heatmap as an SVG string: a grid of coloured cells over two categorical axes, each cell's value
 * as a <title> (shown on hover without a script), missing values hatched grey, and a colour legend
 * of the domain drawn as small rectangles (no gradient ids, so many figures share one page safely).
 */
import { escapeHtml } from '../escape';
import { diverging, sequential } from './colors';
import { extent, linear, shortNumber, ticks } from './scale';

export interface HeatmapCell {
  x: string;
  y: string;
  value: number | null;
}

export interface HeatmapSpec {
  xs: string[];
  ys: string[];
  cells: HeatmapCell[];
  xLabel: string;
  yLabel: string;
  /** What the colour shows. */
  label: string;
  /** Fixed colour domain (e.g. [0, 1]); default: the values' extent (symmetric about 0 when diverging). */
  domain?: [number, number];
  diverging?: boolean;
  /** Largest side of the grid in pixels. */
  size?: number;
}

const f = (v: number) => v.toFixed(1);

export function heatmapSvg(spec: HeatmapSpec): string {
  const [left, top, bottom] = [64, 30, 44];
  const legendW = Math.max(90, Math.ceil(spec.label.length * 6.5));
  const size = spec.size ?? 480;
  const cell = Math.max(2, Math.min(44, Math.floor(size / Math.max(spec.xs.length, spec.ys.length, 1))));
  const gw = cell * spec.xs.length;
  const gh = cell * spec.ys.length;
  const width = left + gw + 24 + legendW;
  const height = top + gh + bottom;
  const ext = extent(spec.cells.map((c) => c.value)) ?? [0, 1];
  let domain = spec.domain ?? ext;
  if (spec.diverging && !spec.domain) {
    const m = Math.max(Math.abs(ext[0]), Math.abs(ext[1])) || 1;
    domain = [-m, m];
  }
  const t = linear(domain[0], domain[1], 0, 1);
  const color = (v: number) => (spec.diverging ? diverging : sequential)(t(v));
  const xi = new Map(spec.xs.map((x, i) => [x, i]));
  const yi = new Map(spec.ys.map((y, i) => [y, i]));
  const parts: string[] = [];
  parts.push(`<rect class="missing" x="${left}" y="${top}" width="${gw}" height="${gh}"/>`);
  for (const c of spec.cells) {
    const i = xi.get(c.x),
      j = yi.get(c.y);
    if (i === undefined || j === undefined || c.value === null || !Number.isFinite(c.value)) continue;
    parts.push(
      `<rect x="${left + i * cell}" y="${top + j * cell}" width="${cell}" height="${cell}" fill="${color(c.value)}"><title>${escapeHtml(`${spec.yLabel} ${c.y}, ${spec.xLabel} ${c.x}: ${c.value}`)}</title></rect>`,
    );
  }
  // Axis labels: every one when they fit, else every k-th.
  const every = Math.max(1, Math.ceil(12 / cell));
  spec.xs.forEach((x, i) => {
    if (i % every === 0) parts.push(`<text x="${f(left + (i + 0.5) * cell)}" y="${top + gh + 14}" text-anchor="middle">${escapeHtml(x)}</text>`);
  });
  spec.ys.forEach((y, j) => {
    if (j % every === 0) parts.push(`<text x="${left - 6}" y="${f(top + (j + 0.5) * cell)}" dy="0.32em" text-anchor="end">${escapeHtml(y)}</text>`);
  });
  parts.push(`<text x="${left + gw / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${top + gh / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`);
  // Legend: a vertical bar of 32 steps from the domain's top to its bottom, with tick labels.
  const lx = left + gw + 24;
  const lh = Math.max(80, Math.min(gh, 240));
  const steps = 32;
  const ly = linear(domain[0], domain[1], top + lh, top);
  for (let s = 0; s < steps; s++) {
    const v = domain[0] + ((s + 0.5) / steps) * (domain[1] - domain[0]);
    parts.push(`<rect x="${lx}" y="${f(top + lh - ((s + 1) * lh) / steps)}" width="12" height="${f(lh / steps + 0.5)}" fill="${color(v)}"/>`);
  }
  for (const v of ticks(domain[0], domain[1], 4)) parts.push(`<text x="${lx + 16}" y="${f(ly(v))}" dy="0.32em">${escapeHtml(shortNumber(v))}</text>`);
  parts.push(`<text x="${lx}" y="${top - 10}">${escapeHtml(spec.label)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="ll-figure" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(spec.label)}">${parts.join('')}</svg>`;
}
