/**
 * The "Experts" section of the spectra panel: one expert kind's metric as a layer × expert heatmap
 * drawn on a canvas (one fillRect a cell), so 61 layers × 257 experts (DeepSeek-V3) draw in a few
 * milliseconds where an SVG of 15 000 cells would not; the colour legend is Observable Plot's, the
 * hovered cell's layer, expert and value show in a line under the canvas.
 */
import * as Plot from '@observablehq/plot';
import type { MatrixSpectra } from '../../src/analysis/methods/spectra/spectra';
import { expertLabel, expertTable, gridOf, type ExpertTable } from '../../src/analysis/methods/spectra/expertTable';
import { formatValue, h, replaceChildren } from '../common/dom';
import { withCanvasGridKeys } from '../common/canvasGridKeys';
import type { Theme } from '../common/theme';
import type { MetricDef } from './metrics';

/** Value range of a table's finite cells, or the metric's fixed range. */
export function tableDomain(t: ExpertTable, metric: MetricDef): [number, number] | undefined {
  if (metric.domain) return metric.domain;
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of t.values)
    for (const v of row)
      if (v !== null) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  return lo <= hi ? [lo, hi === lo ? lo + 1 : hi] : undefined;
}

/** Cell size in CSS pixels: wide enough to hover, small enough that 257 experts fit ≈ 1000 px. */
function cellSize(count: number, max: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.floor(max / Math.max(1, count))));
}

/** The expert kinds present in `entries`; the table of one of them, or undefined without experts. */
export function expertTableOf(entries: readonly MatrixSpectra[], kind: string, metric: MetricDef): ExpertTable | undefined {
  const grid = gridOf(entries);
  return grid ? expertTable(entries, grid, kind, (e) => metric.get(e)) : undefined;
}

export function drawExpertHeatmap(box: HTMLElement, t: ExpertTable, metric: MetricDef, theme: Theme): void {
  const cw = cellSize(t.experts.length, 1000, 3, 28);
  const ch = cellSize(t.layers.length, 520, 4, 24);
  const left = 44;
  const top = 18;
  const width = left + cw * t.experts.length;
  const height = top + ch * t.layers.length;
  const canvas = h('canvas', { class: 'll-spectra-experts-canvas', 'data-testid': 'spectra-experts-canvas' });
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * ratio);
  canvas.height = Math.ceil(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const domain = tableDomain(t, metric);
  const legendOptions = { type: 'linear' as const, scheme: theme.sequentialScheme as Plot.ColorScheme, domain: domain ?? [0, 1], label: metric.short };
  const color = Plot.scale({ color: legendOptions });
  const g = canvas.getContext('2d');
  if (g) {
    g.scale(ratio, ratio);
    g.font = `${Math.min(11, theme.fontSize)}px ${theme.fontFamily}`;
    g.fillStyle = theme.muted;
    g.textBaseline = 'middle';
    g.textAlign = 'right';
    const every = Math.ceil(12 / ch);
    t.layers.forEach((l, i) => {
      if (i % every === 0) g.fillText(String(l), left - 4, top + i * ch + ch / 2);
    });
    g.textAlign = 'center';
    const everyX = Math.ceil(28 / cw);
    t.experts.forEach((x, j) => {
      if (j % everyX === 0 || x === 'shared') g.fillText(x === 'shared' ? 'sh' : String(x), left + j * cw + cw / 2, top / 2);
    });
    for (let i = 0; i < t.layers.length; i++)
      for (let j = 0; j < t.experts.length; j++) {
        const v = t.values[i]![j];
        g.fillStyle = v === null ? theme.grid : String(color.apply(v));
        g.fillRect(left + j * cw, top + i * ch, Math.max(1, cw - (cw > 6 ? 1 : 0)), Math.max(1, ch - (ch > 6 ? 1 : 0)));
      }
  }
  const readout = h(
    'p',
    { class: 'll-spectra-summary', 'data-testid': 'spectra-experts-readout', 'aria-live': 'polite' },
    'Hover a cell (or focus the heatmap and use the arrow keys) for its layer, expert and value.',
  );
  const describe = (i: number, j: number) => {
    const v = t.values[i]![j];
    return `layer ${t.layers[i]} ${t.kind} ${expertLabel(t.experts[j]!)}: ${metric.short} ${v === null ? 'not available' : formatValue(v)}`;
  };
  canvas.addEventListener('mousemove', (ev) => {
    const r = canvas.getBoundingClientRect();
    const j = Math.floor((ev.clientX - r.left - left) / cw);
    const i = Math.floor((ev.clientY - r.top - top) / ch);
    if (i < 0 || j < 0 || i >= t.layers.length || j >= t.experts.length) return;
    readout.textContent = describe(i, j);
  });
  const legend = domain ? Plot.legend({ color: legendOptions }) : h('span', {}, 'no values yet');
  replaceChildren(
    box,
    legend as HTMLElement,
    h(
      'div',
      { class: 'll-spectra-experts-scroll' },
      withCanvasGridKeys(canvas, {
        rows: t.layers.length,
        cols: t.experts.length,
        left,
        top,
        cellWidth: cw,
        cellHeight: ch,
        label: `Layer × expert heatmap of ${t.kind} ${metric.short}`,
        describe: ({ row, col }) => describe(row, col),
        live: readout,
      }),
    ),
    readout,
  );
}
