/**
 * The click-detail of one pair: for each side, the histogram of max-|cos| values (for every column
 * of one layer, its best match among the other layer's columns) with the fitted Gumbel density
 * drawn over it, scaled to counts. DOCS is the mean of the two fitted locations u.
 */
import * as Plot from '@observablehq/plot';
import type { DocsSide, PairResult } from '../../src/analysis/methods/similarity/layerSimilarity';
import { INDEX_LABELS } from '../../src/analysis/methods/similarity/names';
import { gumbelDensity } from '../../src/analysis/stats/gumbel';
import { formatValue, h, replaceChildren } from '../common/dom';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { layerLabel, type SimilarityView } from './viewModel';

/** Bars and the density curve (in counts per bar) of one side. */
export function sidePlotData(side: DocsSide): { bars: { x0: number; x1: number; count: number }[]; curve: { x: number; y: number }[] } {
  const { lo, hi, counts } = side.histogram;
  const n = counts.reduce((s, c) => s + c, 0);
  if (!(hi > lo)) {
    // Every value equal (e.g. a layer against a copy of itself): one thin bar, no curve.
    const w = Math.max(1e-3, Math.abs(lo) * 1e-3);
    return { bars: [{ x0: lo - w, x1: lo + w, count: n }], curve: [] };
  }
  const width = (hi - lo) / counts.length;
  const bars = counts.map((count, i) => ({ x0: lo + i * width, x1: lo + (i + 1) * width, count }));
  const from = lo - 2 * width,
    to = hi + 2 * width,
    points = 160;
  const curve = Array.from({ length: points }, (_, i) => {
    const x = from + ((to - from) * i) / (points - 1);
    return { x, y: n * width * gumbelDensity(x, side) };
  });
  return { bars, curve };
}

function sidePlot(container: HTMLElement, side: DocsSide, title: string, theme: Theme): void {
  const { bars, curve } = sidePlotData(side);
  renderPlot(
    container,
    {
      width: 420,
      height: 220,
      marginLeft: 48,
      title,
      x: { label: 'max |cos|', tickFormat: '~g' },
      y: { label: 'columns', grid: true },
      marks: [
        Plot.rectY(bars, { x1: 'x0', x2: 'x1', y: 'count', fill: theme.accent, fillOpacity: 0.6, tip: true }),
        Plot.line(curve, { x: 'x', y: 'y', stroke: theme.categorical[1], strokeWidth: 2 }),
        Plot.ruleX([side.loc], { stroke: theme.foreground, strokeDasharray: '4 3' }),
        Plot.ruleY([0], { stroke: theme.muted }),
      ],
    },
    theme,
    { caption: `${title}: histogram of max |cos| per column with the fitted Gumbel density and its location dashed.` },
  );
}

export function drawPairDetail(container: HTMLElement, view: SimilarityView, pair: PairResult | undefined, theme: Theme): void {
  if (!pair) {
    replaceChildren(container, h('p', { class: 'll-muted' }, 'Click a cell of the heatmap to see the distributions behind its DOCS value.'));
    return;
  }
  const A = layerLabel(pair.layerA),
    B = layerLabel(pair.layerB);
  const values = view.plan.indices.map((i) => `${INDEX_LABELS[i]} ${pair.comparable ? formatValue(pair.values[i] ?? null) : '–'}`).join(' · ');
  const heading = h('p', { 'data-testid': 'similarity-detail-summary' }, `${A} × ${B}: ${values}`);
  if (!pair.comparable) {
    replaceChildren(container, heading, h('p', { class: 'll-muted' }, `Not comparable: ${pair.reason ?? ''}`));
    return;
  }
  if (pair.nonFinite?.length) {
    replaceChildren(
      container,
      heading,
      h(
        'p',
        { class: 'll-muted', 'data-testid': 'similarity-detail-nonfinite' },
        `Not computable: ${pair.nonFinite.map((f) => f.summary).join('; ')}. A NaN or Inf weight makes every cosine with it NaN, so this pair is left out.`,
      ),
    );
    return;
  }
  if (!pair.docs) {
    replaceChildren(container, heading, h('p', { class: 'll-muted' }, 'DOCS was not computed for this run: no max-|cos| distributions to show.'));
    return;
  }
  const rows = h('div', { class: 'll-sim-side', 'data-testid': 'similarity-detail-rows' });
  const cols = h('div', { class: 'll-sim-side', 'data-testid': 'similarity-detail-cols' });
  replaceChildren(
    container,
    heading,
    h(
      'p',
      { class: 'll-muted' },
      'Bars: for each compared vector of one layer, its largest |cosine| with any vector of the other. Curve: the maximum-likelihood Gumbel fit; dashed line: its location u. DOCS = (u₁ + u₂)/2.',
    ),
    h('div', { class: 'll-sim-sides' }, rows, cols),
  );
  const d = pair.docs;
  sidePlot(rows, d.rows, `${A} vectors → best match in ${B}: u = ${formatValue(d.rows.loc)}, β = ${formatValue(d.rows.scale)}`, theme);
  sidePlot(cols, d.cols, `${B} vectors → best match in ${A}: u = ${formatValue(d.cols.loc)}, β = ${formatValue(d.cols.scale)}`, theme);
}
