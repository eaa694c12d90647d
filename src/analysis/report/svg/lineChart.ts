/**
 * A line chart as an SVG string: one line per series over a numeric x, gaps where a value is
 * missing, a dot per point with its value as a <title> (the browser shows it on hover, no script),
 * a legend of the series. Axes and text use currentColor so the page's light/dark colours apply.
 */
import { escapeHtml } from '../escape';
import { SERIES_COLORS } from './colors';
import { extent, linear, shortNumber, ticks } from './scale';

export interface LinePoint {
  x: number;
  y: number | null;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LineChartSpec {
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const f = (v: number) => v.toFixed(1);

export function lineChartSvg(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const legendRows = spec.series.length > 1 ? Math.ceil(spec.series.length / 6) : 0;
  const top = 12 + legendRows * 16;
  const height = (spec.height ?? 260) + legendRows * 16;
  const [left, right, bottom] = [60, 16, 40];
  const xs = extent(spec.series.flatMap((s) => s.points.map((p) => p.x))) ?? [0, 1];
  const ys = extent(spec.series.flatMap((s) => s.points.map((p) => p.y))) ?? [0, 1];
  // A flat line (all equal, or equal to rounding) is drawn in the middle of a band around its value.
  const flat = ys[1] - ys[0] <= 1e-9 * Math.max(Math.abs(ys[0]), Math.abs(ys[1]));
  const pad = flat ? Math.abs(ys[0]) * 0.1 || 1 : 0;
  const [y0, y1] = [ys[0] - pad, ys[1] + pad];
  const sx = linear(xs[0], xs[1], left, width - right);
  const sy = linear(y0, y1, height - bottom, top);
  const parts: string[] = [];
  for (const t of ticks(y0, y1, 5)) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${f(sy(t))}" y2="${f(sy(t))}"/>`);
    parts.push(`<text x="${left - 6}" y="${f(sy(t))}" dy="0.32em" text-anchor="end">${escapeHtml(shortNumber(t))}</text>`);
  }
  const xTicks = ticks(xs[0], xs[1], Math.min(10, Math.max(1, Math.round(xs[1] - xs[0])))).filter((t) => Number.isInteger(t) || xs[1] - xs[0] < 10);
  for (const t of xTicks) {
    parts.push(`<line class="axis" x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${height - bottom}" y2="${height - bottom + 4}"/>`);
    parts.push(`<text x="${f(sx(t))}" y="${height - bottom + 16}" text-anchor="middle">${escapeHtml(shortNumber(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    let d = '';
    let pen = false;
    for (const p of pts) {
      if (p.y === null || !Number.isFinite(p.y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${f(sx(p.x))},${f(sy(p.y))}`;
      pen = true;
    }
    const name = escapeHtml(s.name);
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"><title>${name}</title></path>`);
    for (const p of pts)
      if (p.y !== null && Number.isFinite(p.y))
        parts.push(
          `<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="2.2" fill="${color}"><title>${name} · ${escapeHtml(`${spec.xLabel} ${p.x}: ${p.y}`)}</title></circle>`,
        );
    if (legendRows) {
      const lx = left + (i % 6) * Math.floor((width - left - right) / 6);
      const ly = 10 + Math.floor(i / 6) * 16;
      parts.push(`<rect x="${lx}" y="${ly - 8}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${ly}">${name}</text>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="ll-figure" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${spec.yLabel} by ${spec.xLabel}`)}">${parts.join('')}</svg>`;
}
