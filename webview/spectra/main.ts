/**
 * The weight-spectra panel: a layer × kind heatmap of any metric (metric dropdown), randomness vs
 * depth (mean KS p of q, k, v per layer), and for the selected matrix or head the singular-value
 * histogram with the Marchenko–Pastur curve and the power-law tail fit with a draggable x_min.
 * Clicking a heatmap cell selects that matrix. Partial results fill the heatmap while the job runs.
 * With experts analysed (mixture-of-experts models), an "Experts" section draws one expert kind's
 * metric as a layer × expert heatmap (expertHeatmap.ts: a canvas, fast for 256 experts × 61 layers).
 */
import type { FlaggedSpectra, MatrixSpectra, SpectraOptions, SpectraResult } from '../../src/analysis/methods/spectra/spectra';
import type { Spectrum } from '../../src/analysis/methods/spectra/spectrum';
import { ALPHA_FIT_LABELS, fitPowerLaw } from '../../src/analysis/stats/powerLaw';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { h, replaceChildren, formatValue } from '../common/dom';
import { button, checkbox, dropdown, numberField, setDropdownOptions, type Dropdown } from '../common/toolkit';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { depthSeries, heatmapCells, metricById, METRICS } from './metrics';
import { annotateCells, depthPlot, heatmapPlot, histogramPlot } from './plots';
import { createTailView, type TailView } from './tailPlot';
import { drawExpertHeatmap, expertTableOf } from './expertHeatmap';
import { gridOf } from '../../src/analysis/methods/spectra/expertTable';
import { createDepthSection, drawDepthSection, drawVectorP, type DepthSection } from './depthSection';
import { attachHeatmapKeys } from '../common/heatmapKeys';

interface Selection {
  layer: number;
  kind: string;
  /** -1: the whole matrix. */
  head: number;
}

// Kept with the webview state: the metric, selection and expert choices survive a hidden tab and a reload.
const state = keptState<{ metric: string; selection?: Selection; expertKind: string; expertMetric: string }>({
  metric: 'meanP',
  selection: undefined,
  expertKind: 'up',
  expertMetric: 'alpha',
});

let layout:
  | {
      root: HTMLElement;
      metricSelect: Dropdown;
      heatmap: HTMLElement;
      depth: HTMLElement;
      experts: HTMLElement;
      expertKindSelect: Dropdown;
      expertMetricSelect: Dropdown;
      layerSelect: Dropdown;
      kindSelect: Dropdown;
      headSelect: Dropdown;
      summary: HTMLElement;
      histogram: HTMLElement;
      tail: TailView;
    }
  | undefined;
let entries: MatrixSpectra[] = [];
/** Entries of an expert's gate/up/down: drawn in the Experts section, not in the layer × kind heatmap. */
let expertEntries: MatrixSpectra[] = [];
/** Matrices holding NaN/Inf (known once the result arrives): hatched cells, finite heads still shown. */
let flagged: FlaggedSpectra[] = [];
let theme: Theme | undefined;
let depthSection: DepthSection | undefined;

function ensureLayout(container: HTMLElement): NonNullable<typeof layout> {
  if (layout && container.contains(layout.root)) return layout;
  const metricChoices = METRICS.map((m) => ({ value: m.id, label: m.label }));
  const metricSelect = dropdown({ testid: 'spectra-metric', label: 'Heatmap metric', options: metricChoices, value: state.metric });
  const layerSelect = dropdown({ testid: 'spectra-layer', label: 'Layer', options: [] });
  const kindSelect = dropdown({ testid: 'spectra-kind', label: 'Matrix kind', options: [] });
  const headSelect = dropdown({ testid: 'spectra-head', label: 'Head', options: [] });
  const heatmap = h('div', { class: 'll-spectra-plot', 'data-testid': 'spectra-heatmap' });
  const depth = h('div', { class: 'll-spectra-plot', 'data-testid': 'spectra-depth' });
  const expertKindSelect = dropdown({ testid: 'spectra-expert-kind', label: 'Expert matrix kind', options: [] });
  const expertMetricSelect = dropdown({ testid: 'spectra-expert-metric', label: 'Expert heatmap metric', options: metricChoices, value: state.expertMetric });
  const expertsPlot = h('div', { class: 'll-spectra-plot', 'data-testid': 'spectra-experts' });
  const experts = h(
    'section',
    { class: 'll-spectra-experts', hidden: true },
    h('h2', {}, 'Experts'),
    h('div', { class: 'll-row ll-spectra-row' }, h('label', {}, 'Kind ', expertKindSelect), h('label', {}, 'Metric ', expertMetricSelect)),
    expertsPlot,
  );
  const summary = h('p', { class: 'll-spectra-summary', 'data-testid': 'spectra-summary' });
  const histogram = h('div', { class: 'll-spectra-plot', 'data-testid': 'spectra-histogram' });
  const tailBox = h('div', { class: 'll-spectra-tailbox' });
  const root = h(
    'div',
    { class: 'll-spectra' },
    h('h2', {}, 'Layer × kind'),
    h('div', { class: 'll-row ll-spectra-row' }, h('label', {}, 'Metric ', metricSelect)),
    heatmap,
    h('h2', {}, 'Randomness vs depth'),
    depth,
    experts,
    h('h2', {}, 'Matrix detail'),
    h(
      'div',
      { class: 'll-row ll-spectra-row' },
      h('label', {}, 'Layer ', layerSelect),
      h('label', {}, 'Kind ', kindSelect),
      h('label', {}, 'Head ', headSelect),
    ),
    summary,
    h('h3', {}, 'Singular values and the Marchenko–Pastur law'),
    histogram,
    h('h3', {}, 'Power-law fit of the eigenvalue tail'),
    tailBox,
  );
  replaceChildren(container, root);
  depthSection = createDepthSection();
  depth.after(depthSection.depth);
  tailBox.after(depthSection.vectors);
  layout = {
    root,
    metricSelect,
    heatmap,
    depth,
    experts,
    expertKindSelect,
    expertMetricSelect,
    layerSelect,
    kindSelect,
    headSelect,
    summary,
    histogram,
    tail: createTailView(tailBox, {
      xminInput: numberField({ min: 0, step: 'any', class: 'll-spectra-xmin-field', testid: 'spectra-xmin', label: 'x_min' }),
      reset: button({ testid: 'spectra-xmin-reset', appearance: 'secondary', class: 'll-spectra-button' }, 'Best x_min (min KS)'),
    }),
  };
  metricSelect.addEventListener('change', () => {
    state.metric = metricSelect.value;
    drawOverview();
  });
  expertKindSelect.addEventListener('change', () => {
    state.expertKind = expertKindSelect.value;
    drawExperts();
  });
  expertMetricSelect.addEventListener('change', () => {
    state.expertMetric = expertMetricSelect.value;
    drawExperts();
  });
  const pick = () => {
    state.selection = { layer: Number(layerSelect.value), kind: kindSelect.value, head: Number(headSelect.value) };
    drawOverview();
    drawDetail();
  };
  layerSelect.addEventListener('change', pick);
  kindSelect.addEventListener('change', () => {
    headSelect.value = '-1';
    pick();
  });
  headSelect.addEventListener('change', pick);
  return layout;
}

function selectedEntry(): MatrixSpectra | undefined {
  const s = state.selection;
  return s ? entries.find((e) => e.layer === s.layer && e.kind === s.kind && e.expert === undefined) : undefined;
}

/** The Experts section: shown only when experts were analysed; one kind's metric, layer × expert. */
function drawExperts(): void {
  if (!layout || !theme) return;
  const grid = gridOf(expertEntries);
  layout.experts.hidden = !grid;
  if (!grid) return;
  fillSelect(
    layout.expertKindSelect,
    grid.kinds.map((k) => [k, k]),
    state.expertKind,
  );
  state.expertKind = layout.expertKindSelect.value;
  const metric = metricById(state.expertMetric);
  const table = expertTableOf(expertEntries, state.expertKind, metric);
  const box = layout.experts.querySelector<HTMLElement>('[data-testid="spectra-experts"]');
  if (table && box) drawExpertHeatmap(box, table, metric, theme);
}

function drawOverview(): void {
  if (!layout || !theme) return;
  const metric = metricById(state.metric);
  const cells = heatmapCells(entries, metric, flagged);
  const plot = renderPlot(layout.heatmap, heatmapPlot(cells, metric, theme, state.selection), theme, {
    caption: `Heatmap of layers (rows) by matrix kind (columns), coloured by ${metric.short}.`,
    keys: false,
  }) as HTMLElement & {
    value?: { layer: number; kind: string } | null;
  };
  annotateCells(plot, cells, theme);
  attachHeatmapKeys(
    layout.heatmap,
    () => ({ cells, selection: state.selection }),
    (layer, kind) => {
      state.selection = { layer, kind, head: -1 };
      drawOverview();
      drawDetail();
    },
    () => layout?.summary.scrollIntoView({ block: 'nearest' }),
  );
  plot.addEventListener('click', () => {
    const v = plot.value;
    if (!v || typeof v.layer !== 'number') return;
    state.selection = { layer: v.layer, kind: v.kind, head: -1 };
    drawOverview();
    drawDetail();
  });
  const series = depthSeries(entries);
  if (series.length)
    renderPlot(layout.depth, depthPlot(series, theme), theme, {
      caption: 'Mean Kolmogorov–Smirnov p of the singular vectors (y) of q, k and v by layer (x); 0.5 and 0.05 dashed.',
    });
  else layout.depth.textContent = 'No singular-vector randomness for q, k, v yet.';
  if (depthSection) drawDepthSection(depthSection, entries, theme);
}

function fillSelect(select: Dropdown, values: [string, string][], current: string): void {
  setDropdownOptions(
    select,
    values.map(([value, label]) => ({ value, label })),
    current,
  );
}

function describeSpectrum(s: Spectrum, label: string): string {
  const parts = [`${label}: ${s.rows}×${s.cols}`];
  if (s.note) parts.push(s.note);
  if (s.mp) {
    parts.push(
      `σ = ${formatValue(s.mp.sigma)}`,
      `MP bulk [${formatValue(s.mp.lower)}, ${formatValue(s.mp.upper)}]`,
      `${s.mp.spikes} spike${s.mp.spikes === 1 ? '' : 's'}`,
      `KS to MP = ${formatValue(s.mp.ks)}`,
    );
  }
  if (s.vectors)
    parts.push(
      `mean KS p of ${s.vectors.count} ${s.vectors.side} vectors = ${formatValue(s.vectors.meanP)} (${formatValue(100 * s.vectors.fractionBelow05)}% below 0.05)`,
    );
  const m = s.metrics;
  parts.push(
    `stable rank ${formatValue(m.stableRank)}`,
    `log10 λmax ${formatValue(m.logSpectralNorm)}`,
    `rand_distance ${formatValue(m.randDistance)}`,
    `matrix_rank ${formatValue(m.matrixRank)}`,
    `entropy ${formatValue(m.matrixEntropy)}`,
    `mp_softrank ${formatValue(m.mpSoftrank)} (σ_mp ${formatValue(m.sigmaMp)})`,
  );
  return parts.join(' · ');
}

function drawDetail(): void {
  if (!layout || !theme) return;
  if (!state.selection && entries.length) state.selection = { layer: entries[0]!.layer, kind: entries[0]!.kind, head: -1 };
  const sel = state.selection;
  if (!sel) return;
  const layers = [...new Set(entries.map((e) => e.layer))].sort((a, b) => a - b);
  fillSelect(
    layout.layerSelect,
    layers.map((l) => [String(l), String(l)]),
    String(sel.layer),
  );
  const kinds = [...entries, ...flagged].filter((e) => e.layer === Number(layout!.layerSelect.value)).map((e) => e.kind);
  fillSelect(
    layout.kindSelect,
    kinds.map((k) => [k, k]),
    sel.kind,
  );
  sel.layer = Number(layout.layerSelect.value);
  sel.kind = layout.kindSelect.value;
  const entry = selectedEntry();
  const bad = entry ? undefined : flagged.find((f) => f.layer === sel.layer && f.kind === sel.kind);
  const heads = entry?.heads ?? bad?.heads ?? [];
  fillSelect(layout.headSelect, [['-1', 'whole matrix'], ...heads.map((x): [string, string] => [String(x.head), `head ${x.head}`])], String(sel.head));
  sel.head = Number(layout.headSelect.value);
  if (depthSection) drawVectorP(depthSection, entry, sel.head, theme);
  const headSpectrum = sel.head >= 0 ? heads.find((x) => x.head === sel.head)?.spectrum : undefined;
  if (bad && !headSpectrum) {
    const finiteHeads = bad.heads.length ? ` Heads ${bad.heads.map((x) => x.head).join(', ')} are finite: pick one above.` : '';
    layout.summary.textContent = `layer ${sel.layer} ${sel.kind}: not computable — ${bad.summary}${bad.headFlags.length ? ` (${bad.headFlags.map((f) => `head ${f.head}`).join(', ')})` : ''}.${finiteHeads}`;
    layout.histogram.replaceChildren();
    // An empty tail: the fit view says there is nothing to fit instead of keeping the last matrix's.
    layout.tail.show([], fitPowerLaw([]), theme);
    return;
  }
  if (!entry && !headSpectrum) return;
  const spectrum = headSpectrum ?? entry!.spectrum;
  layout.summary.textContent = describeSpectrum(spectrum, sel.head >= 0 ? `layer ${sel.layer} ${sel.kind} head ${sel.head}` : `layer ${sel.layer} ${sel.kind}`);
  const hist = histogramPlot(spectrum, theme);
  if (typeof hist === 'string') layout.histogram.textContent = hist;
  else
    renderPlot(layout.histogram, hist, theme, {
      caption: 'Density of the squared singular values with the Marchenko–Pastur density of a random matrix of the same shape.',
    });
  layout.tail.show(
    (spectrum.singularValues ?? []).map((v) => v * v),
    spectrum.metrics.alpha,
    theme,
  );
}

function draw(container: HTMLElement, list: MatrixSpectra[], t: Theme, nonFinite: FlaggedSpectra[] = []): void {
  entries = list.filter((e) => e.expert === undefined);
  expertEntries = list.filter((e) => e.expert !== undefined);
  flagged = nonFinite.filter((f) => f.expert === undefined);
  theme = t;
  ensureLayout(container);
  drawOverview();
  drawExperts();
  drawDetail();
}

startAnalysisPanel<SpectraOptions, MatrixSpectra, SpectraResult>({
  renderOptions(container, options, rerun) {
    const side = dropdown({
      testid: 'spectra-side',
      label: 'Singular vectors tested',
      options: [
        { value: 'right', label: 'right singular vectors (input side)' },
        { value: 'left', label: 'left singular vectors (output side)' },
      ],
      value: options.vectorSide === 'left' ? 'left' : 'right',
    });
    const heads = checkbox({ testid: 'spectra-heads', label: 'per attention head', checked: options.heads !== false });
    const fit = dropdown({
      testid: 'spectra-alpha-fit',
      label: 'Power-law fit of α',
      options: [
        { value: 'ww', label: `${ALPHA_FIT_LABELS.ww} (default)` },
        { value: 'clauset', label: ALPHA_FIT_LABELS.clauset },
      ],
      value: options.alphaFit === 'clauset' ? 'clauset' : 'ww',
    });
    const chosen = Array.isArray(options.experts) ? 'list' : (options.experts ?? 'none');
    const experts = dropdown({
      testid: 'spectra-experts-choice',
      label: 'Experts of mixture-of-experts layers',
      options: [
        { value: 'none', label: 'no experts (dense matrices, routers)' },
        { value: 'all', label: 'every expert and the shared one' },
        { value: 'shared', label: 'the shared expert' },
        ...(Array.isArray(options.experts) ? [{ value: 'list', label: `experts ${options.experts.join(', ')}` }] : []),
      ],
      value: chosen,
    });
    const run = button({ testid: 'spectra-run', appearance: 'secondary', class: 'll-spectra-button' }, 'Run with these options');
    run.addEventListener('click', () =>
      rerun({
        ...options,
        vectorSide: side.value === 'left' ? 'left' : 'right',
        heads: heads.checked,
        alphaFit: fit.value === 'clauset' ? 'clauset' : 'ww',
        experts: experts.value === 'all' || experts.value === 'shared' || experts.value === 'none' ? experts.value : options.experts,
      }),
    );
    replaceChildren(
      container,
      h(
        'div',
        { class: 'll-row ll-spectra-row' },
        h('label', {}, 'KS test of ', side),
        heads,
        h('label', {}, 'α by ', fit),
        h('label', {}, 'Experts: ', experts),
        run,
      ),
    );
  },
  renderPartial(container, partials, t) {
    draw(container, partials, t);
  },
  renderResult(container, result, t) {
    draw(container, result.entries, t, result.nonFinite ?? []);
  },
});
