/**
 * The correlations panel's plots: a heatmap of one measure (layer × head or layer × measure) with
 * exact values in its hover tip, the M1-vs-M5 scatter coloured by layer with the M6 line, and the
 * value scatter of the two matrices behind a clicked head. Drawn cells and dots carry stable test
 * hooks: data-testid "corr-cell" / "corr-cell-empty" with data-measure, -layer, -col, -value;
 * "corr-dot" on scatter points.
 */
import * as Plot from '@observablehq/plot';
import type { HeadValues } from '../../src/analysis/methods/correlations/values';
import type { Regression } from '../../src/analysis/methods/correlations/regression';
import { formatValue } from '../common/dom';
import type { FigureTable } from '../common/figureTable';
import { addHatchPattern, HATCH_FILL } from '../common/hatch';
import { matrixTable } from '../common/matrixTable';
import { RASTER_CELLS, rasterCellRender } from '../common/rasterCells';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { regressionSegment, type CorrCell, type ScatterPoint } from './viewModel';

const WIDTH = 270;

/** Full precision in tips: the cell's colour already gives the rough value. */
const exact = (v: number | null) => (v === null ? '–' : v.toPrecision(6));

export function drawHeatmap(
  container: HTMLElement,
  cells: CorrCell[],
  axes: { x: string[]; y: string[]; xLabel: string },
  domain: [number, number],
  label: string,
  theme: Theme,
  onClick?: (c: CorrCell) => void,
  selected?: { layer: number; col: number },
): void {
  const filled = cells.filter((c) => c.value !== null);
  const empty = cells.filter((c) => c.value === null && !c.flagged);
  // Not computable because a matrix holds NaN/Inf: hatched, never coloured, the counts in the tip.
  const flagged = cells.filter((c) => c.value === null && c.flagged);
  const rowHeight = Math.max(8, Math.min(26, Math.floor(360 / Math.max(1, axes.y.length))));
  const channels = {
    where: { value: (c: CorrCell) => `layer ${c.layer}${c.kvHead !== undefined ? `, head ${c.col} (kv head ${c.kvHead})` : ''}`, label: 'at' },
    measure: { value: (c: CorrCell) => c.x, label: 'measure' },
    exact: { value: (c: CorrCell) => (c.value === null ? (c.reason ?? 'not available') : exact(c.value)), label: 'value' },
  };
  const tip = { format: { x: false, y: false, fill: false, where: true, measure: axes.xLabel !== 'query head', exact: true } };
  const sel = selected ? cells.filter((c) => c.layer === selected.layer && c.col === selected.col) : [];
  // 80 layers × 64 heads: the cells as one image (common/rasterCells.ts), not 5 120 rects; below that, a rect a cell.
  const raster = cells.length > RASTER_CELLS;
  const render = raster ? rasterCellRender : undefined;
  const el = renderPlot(
    container,
    {
      width: WIDTH,
      height: 70 + axes.y.length * rowHeight,
      marginLeft: 40,
      // Room for the head labels turned upright past 12 heads ('h63') above the axis label.
      marginBottom: axes.xLabel === 'query head' ? (axes.x.length > 12 ? 46 : 30) : 80,
      padding: 0.04,
      x: {
        domain: axes.x,
        label: axes.xLabel === 'query head' ? axes.xLabel : null,
        tickRotate: axes.xLabel === 'query head' ? (axes.x.length > 12 ? -90 : 0) : -35,
        // Every 4th head past 16 (a KV group of 8 heads reads as two ticks): tick values, not blank labels, so no hidden tick nodes.
        ticks: axes.x.length > 16 ? axes.x.filter((_, i) => i % 4 === 0) : undefined,
      },
      y: { domain: axes.y, label: null, ticks: axes.y.length > 24 ? axes.y.filter((_, i) => i % 4 === 0) : undefined },
      color: { type: 'diverging', scheme: theme.divergingScheme as Plot.ColorScheme, domain, clamp: true, legend: true, label },
      marks: [
        Plot.cell(filled, { x: 'x', y: 'y', fill: 'value', className: 'll-corr-filled', channels, tip, render }),
        Plot.cell(empty, { x: 'x', y: 'y', fill: theme.grid, className: 'll-corr-empty', channels, tip, render }),
        raster ? null : Plot.text(empty, { x: 'x', y: 'y', text: () => 'n/a', fill: theme.muted, fontSize: 9, pointerEvents: 'none' } as Plot.TextOptions),
        Plot.cell(flagged, { x: 'x', y: 'y', fill: HATCH_FILL, stroke: theme.muted, className: 'll-corr-flagged', channels, tip }),
        Plot.cell(sel, { x: 'x', y: 'y', fill: 'none', stroke: theme.foreground, strokeWidth: 2 }),
      ],
    },
    theme,
    {
      caption: 'Heatmap of the correlation measure of each layer (rows) and head or measure (columns), on a diverging scale centred on 0.',
      table: cellTable(cells, axes),
    },
  );
  tag(el, 'll-corr-filled', filled, 'corr-cell', !!onClick);
  tag(el, 'll-corr-empty', empty, 'corr-cell-empty', false);
  tag(el, 'll-corr-flagged', flagged, 'corr-cell-flagged', false);
  addHatchPattern(el, theme);
  if (onClick) {
    el.addEventListener('click', (e) => {
      // Plot's sticky tip is drawn under the pointer on pointerdown, so neither the click's target
      // nor the element at its point is the cell: the plot's value (the datum its tip shows) is.
      const pointed = (el as unknown as { value?: unknown }).value;
      if (pointed && filled.includes(pointed as CorrCell)) return onClick(pointed as CorrCell);
      const rect = (e.target as Element | null)?.closest?.('[data-testid="corr-cell"]');
      const i = rect ? Number(rect.getAttribute('data-index')) : NaN;
      if (Number.isInteger(i) && filled[i]) return onClick(filled[i]);
      // No rect a cell (the image) or a keyboard Enter: the cell under the event's point, from the band scales.
      const at = cellAtPoint(el, axes, e as MouseEvent);
      const hit = at && filled.find((c) => c.x === at.x && c.y === at.y);
      if (hit) onClick(hit);
    });
  }
}

type BandScale = { apply(v: string): number; bandwidth?: number };

/** The band (x, y) under a mouse event, through the plot's scales (the SVG may be drawn scaled: client pixels to its viewBox). */
function cellAtPoint(root: Element, axes: { x: string[]; y: string[] }, e: MouseEvent): { x: string; y: string } | undefined {
  const plot = root as unknown as { scale?: (name: string) => BandScale | undefined };
  const sx = plot.scale?.('x'),
    sy = plot.scale?.('y');
  const svg = root.querySelector('g.ll-corr-filled')?.closest('svg');
  if (!svg || !sx?.bandwidth || !sy?.bandwidth) return undefined;
  const box = svg.getBoundingClientRect(),
    view = svg.viewBox.baseVal;
  const px = (e.clientX - box.left) * (view && view.width ? view.width / box.width : 1),
    py = (e.clientY - box.top) * (view && view.height ? view.height / box.height : 1);
  const x = axes.x.find((v) => px >= sx.apply(v) && px < sx.apply(v) + sx.bandwidth!),
    y = axes.y.find((v) => py >= sy.apply(v) && py < sy.apply(v) + sy.bandwidth!);
  return x !== undefined && y !== undefined ? { x, y } : undefined;
}

/** The drawn values as a layer × column table (empty where a cell has no value): complete at 80 layers × 64 heads. */
export function cellTable(cells: readonly CorrCell[], axes: { x: string[]; y: string[]; xLabel: string }): FigureTable {
  const at = new Map(cells.map((c) => [`${c.y}\t${c.x}`, c.value]));
  return matrixTable('layer', axes.y, axes.x, (i, j) => at.get(`${axes.y[i]}\t${axes.x[j]}`));
}

/** Plot draws one rect per datum and binds its index as __data__. */
function tag(root: Element, className: string, data: CorrCell[], testId: string, clickable: boolean): void {
  const group = root.querySelector(`g.${className}`);
  if (!group) return;
  for (const rect of Array.from(group.querySelectorAll('rect'))) {
    const i = (rect as unknown as { __data__?: number }).__data__;
    const c = typeof i === 'number' ? data[i] : undefined;
    if (!c) continue;
    rect.setAttribute('data-testid', testId);
    rect.setAttribute('data-index', String(i));
    rect.setAttribute('data-measure', c.measure);
    rect.setAttribute('data-layer', String(c.layer));
    rect.setAttribute('data-col', String(c.col));
    if (c.value !== null) rect.setAttribute('data-value', String(c.value));
    else if (c.reason) rect.setAttribute('data-reason', c.reason);
    if (clickable) rect.setAttribute('cursor', 'pointer');
  }
}

export function drawM6(container: HTMLElement, points: ScatterPoint[], m6: Regression | null | undefined, theme: Theme): void {
  const line = regressionSegment(m6, points);
  const layers = [...new Set(points.map((p) => p.layer))].sort((a, b) => a - b);
  const el = renderPlot(
    container,
    {
      width: WIDTH,
      height: 260,
      marginLeft: 48,
      grid: true,
      x: { label: 'M1 cc(Wq, Wk)', tickFormat: '~g', ticks: 4 },
      y: { label: 'M5 cc(Woᵀ, Wv)', tickFormat: '~g' },
      color: { type: 'ordinal', domain: layers, scheme: 'viridis', legend: true, label: 'layer' },
      marks: [
        Plot.ruleX([0], { stroke: theme.muted }),
        Plot.ruleY([0], { stroke: theme.muted }),
        Plot.dot(points, {
          x: 'M1',
          y: 'M5',
          fill: 'layer',
          r: 3,
          className: 'll-corr-dots',
          channels: { head: { value: (p: ScatterPoint) => `layer ${p.layer}, head ${p.head}`, label: 'at' } },
          tip: { format: { x: (v: number) => v.toPrecision(6), y: (v: number) => v.toPrecision(6), fill: false, head: true } },
        }),
        Plot.line(line, { x: 'M1', y: 'M5', stroke: theme.foreground, strokeWidth: 1.5, strokeDasharray: '5 3', className: 'll-corr-regression' }),
      ],
    },
    theme,
    { caption: 'M5 against M1 for every head (one dot each, coloured by layer), with the fitted regression line dashed.' },
  );
  el.querySelectorAll('g.ll-corr-dots circle').forEach((c) => c.setAttribute('data-testid', 'corr-dot'));
  el.querySelector('g.ll-corr-regression path')?.setAttribute('data-testid', 'corr-regression');
}

export function drawValues(container: HTMLElement, v: HeadValues, theme: Theme): void {
  const points = v.x.map((x, i) => ({ x, y: v.y[i] }));
  const el = renderPlot(
    container,
    {
      width: 420,
      height: 360,
      marginLeft: 56,
      grid: true,
      x: { label: `${v.xLabel} entry`, tickFormat: '~g' },
      y: { label: `${v.yLabel} entry`, tickFormat: '~g' },
      marks: [Plot.dot(points, { x: 'x', y: 'y', r: 1.5, fill: theme.accent, fillOpacity: 0.5, className: 'll-corr-values' })],
    },
    theme,
    { caption: `Entries of ${v.xLabel} (x) against the matching entries of ${v.yLabel} (y).` },
  );
  el.querySelectorAll('g.ll-corr-values circle').forEach((c) => c.setAttribute('data-testid', 'corr-value-dot'));
}

export function describeValues(v: HeadValues): string {
  const sample = v.x.length < v.total ? `${v.x.length} of ${v.total} entries (a fixed random sample)` : `all ${v.total} entries`;
  const m4 = v.measure === 'M4' ? ' M4 itself correlates the d×d product WqᵀWk with I; shown are the entries it is formed from.' : '';
  return `Layer ${v.layer}, query head ${v.head} (kv head ${v.kvHead}), ${v.measure}: ${v.xLabel} vs ${v.yLabel}, ${sample}; cc over all entries = ${v.cc === null ? `not computable (${v.nonFinite.map((f) => f.summary).join('; ')})` : formatValue(v.cc)}.${m4}`;
}
