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
import { addHatchPattern, HATCH_FILL } from '../common/hatch';
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
  const el = renderPlot(
    container,
    {
      width: WIDTH,
      height: 70 + axes.y.length * rowHeight,
      marginLeft: 40,
      marginBottom: axes.xLabel === 'query head' ? 30 : 80,
      padding: 0.04,
      x: {
        domain: axes.x,
        label: axes.xLabel === 'query head' ? axes.xLabel : null,
        tickRotate: axes.xLabel === 'query head' ? (axes.x.length > 12 ? -90 : 0) : -35,
        tickFormat: axes.x.length > 16 ? (d: string, i: number) => (i % 4 ? '' : d) : undefined,
      },
      y: { domain: axes.y, label: null, tickFormat: axes.y.length > 24 ? (d: string, i: number) => (i % 4 ? '' : d) : undefined },
      color: { type: 'diverging', scheme: theme.divergingScheme as Plot.ColorScheme, domain, clamp: true, legend: true, label },
      marks: [
        Plot.cell(filled, { x: 'x', y: 'y', fill: 'value', className: 'll-corr-filled', channels, tip }),
        Plot.cell(empty, { x: 'x', y: 'y', fill: theme.grid, className: 'll-corr-empty', channels, tip }),
        Plot.text(empty, { x: 'x', y: 'y', text: () => 'n/a', fill: theme.muted, fontSize: 9, pointerEvents: 'none' } as Plot.TextOptions),
        Plot.cell(flagged, { x: 'x', y: 'y', fill: HATCH_FILL, stroke: theme.muted, className: 'll-corr-flagged', channels, tip }),
        Plot.cell(sel, { x: 'x', y: 'y', fill: 'none', stroke: theme.foreground, strokeWidth: 2 }),
      ],
    },
    theme,
    { caption: 'Heatmap of the correlation measure of each layer (rows) and head or measure (columns), on a diverging scale centred on 0.' },
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
      if (Number.isInteger(i) && filled[i]) onClick(filled[i]);
    });
  }
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
