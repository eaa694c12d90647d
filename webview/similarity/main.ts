/**
 * The layer-similarity panel: a layer × layer heatmap of DOCS or a baseline index (index
 * dropdown), the adjacent-layer line plot under it, clusters boxed in both, and for a clicked cell
 * the row/column max-|cos| histograms with their Gumbel fits. Matrix kind, pair mode, orientation
 * and a layer subset start a new run (finished runs come back from the worker's cache at once);
 * index and cluster threshold only redraw. Pairs fill in while the job runs.
 * Test ids: similarity-kind, -index, -pairs, -orientation, -layers, -apply, -threshold,
 * -summary, -heatmap (cells: heat-cell, heat-cell-empty, cluster-box), -clusters, -adjacent,
 * -detail.
 */
import type { SimilarityJobResult, SimilarityPartial } from '../../src/analysis/methods/similarity/job';
import type { SimilaritySettings } from '../../src/analysis/methods/similarity/options';
import type { PanelModelInfo } from '../../src/protocol/panel';
import { INDEX_LABELS, ORIENTATIONS, SIMILARITY_INDICES, type SimilarityIndex } from '../../src/analysis/methods/similarity/names';
import { MATRIX_KINDS } from '../../src/analysis/model/types';
import { expertFieldOptions, expertFieldShown, parseExpertChoice } from '../common/expertField';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { formatValue, h, replaceChildren } from '../common/dom';
import { button, dropdown, enableChoices, numberField, textField, type Dropdown } from '../common/toolkit';
import type { Theme } from '../common/theme';
import { drawAdjacent } from './adjacent';
import { drawPairDetail } from './detail';
import { drawHeatmap } from './heatmap';
import { drawSmallMultiples } from './smallMultiples';
import { describeThreshold } from '../../src/analysis/methods/similarity/clusters';
import { clustersOf, layerLabel, pairAt, viewFromPartials, viewFromResult, type SimilarityView } from './viewModel';

let multiples: HTMLElement | undefined;
// Kept with the webview state: the index, threshold and selected pair survive a hidden tab and a reload.
const state = keptState<{ index: SimilarityIndex; threshold?: number; selected?: { a: number; b: number } }>({
  index: 'docs',
  threshold: undefined,
  selected: undefined,
});
let current: { view: SimilarityView; theme: Theme; container: HTMLElement } | undefined;
let layout: { root: HTMLElement; summary: HTMLElement; heatmap: HTMLElement; clusters: HTMLElement; adjacent: HTMLElement; detail: HTMLElement } | undefined;
let indexSelect: Dropdown | undefined;

function select(testId: string, label: string, values: readonly string[], selected: string, text: (v: string) => string = (v) => v): Dropdown {
  return dropdown({ testid: testId, label, options: values.map((v) => ({ value: v, label: text(v) })), value: selected });
}

function parseLayerField(text: string): number[] | undefined {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return undefined;
  const out = parts.map(Number);
  if (!out.every((l) => Number.isInteger(l) && l >= 0)) throw new Error(`'${text}' is not a list of layer indices like 0,1,5`);
  return out;
}

function renderOptions(
  container: HTMLElement,
  initial: SimilaritySettings,
  rerun: (o: SimilaritySettings) => void,
  modelInfo: PanelModelInfo | undefined,
): void {
  let options = initial;
  const run = (next: SimilaritySettings) => {
    options = next;
    state.selected = undefined;
    rerun(next);
  };
  const kind = select('similarity-kind', 'Matrix kind', MATRIX_KINDS, options.kind);
  // An expert goes with gate/up/down only: another kind drops it.
  kind.addEventListener('change', () => {
    const next = kind.value as SimilaritySettings['kind'];
    const { expert: _e, ...rest } = options;
    run(next === 'gate' || next === 'up' || next === 'down' ? { ...options, kind: next } : { ...rest, kind: next });
  });
  const expert = textField(expertFieldOptions('similarity-expert', options.expert, false));
  indexSelect = select('similarity-index', 'Similarity index', SIMILARITY_INDICES, state.index, (v) => INDEX_LABELS[v as SimilarityIndex]);
  indexSelect.addEventListener('change', () => {
    state.index = indexSelect!.value as SimilarityIndex;
    redraw();
  });
  const pairs = select('similarity-pairs', 'Pairs', ['all', 'adjacent'], options.pairs ?? 'all', (v) => (v === 'all' ? 'all pairs' : 'adjacent only'));
  pairs.addEventListener('change', () => run({ ...options, pairs: pairs.value as 'all' | 'adjacent' }));
  const orientation = select('similarity-orientation', 'Orientation', ORIENTATIONS, options.orientation ?? 'neuron', (v) =>
    v === 'neuron' ? 'per neuron (default)' : v === 'rows' ? 'rows of [out, in]' : 'columns of [out, in]',
  );
  orientation.addEventListener('change', () => run({ ...options, orientation: orientation.value as SimilaritySettings['orientation'] }));
  const layers = textField({
    testid: 'similarity-layers',
    label: 'Layers',
    class: 'll-sim-layers',
    placeholder: 'all layers, or e.g. 0,1,5',
    value: options.layers?.join(',') ?? '',
  });
  const error = h('span', { class: 'll-sim-error', role: 'alert' });
  const apply = button(
    {
      appearance: 'secondary',
      testid: 'similarity-apply',
      onClick: () => {
        try {
          error.textContent = '';
          const choice = parseExpertChoice(expert.value, false) as SimilaritySettings['expert'];
          const { expert: _e, ...rest } = options;
          run({ ...(choice === undefined ? rest : { ...options, expert: choice }), layers: parseLayerField(layers.value) });
        } catch (e) {
          error.textContent = e instanceof Error ? e.message : String(e);
        }
      },
    },
    'Apply',
  );
  const threshold = numberField({
    value: state.threshold,
    step: 'any',
    testid: 'similarity-threshold',
    label: 'Cluster threshold',
    placeholder: 'Otsu',
    class: 'll-sim-threshold',
  });
  threshold.addEventListener('change', () => {
    const v = threshold.value.trim() === '' ? undefined : Number(threshold.value);
    state.threshold = v !== undefined && Number.isFinite(v) ? v : undefined;
    redraw();
  });
  replaceChildren(
    container,
    h(
      'div',
      { class: 'll-sim-controls' },
      h('label', {}, 'Matrices ', kind),
      h('label', {}, 'Index ', indexSelect),
      h('label', {}, 'Pairs ', pairs),
      h('label', {}, 'Compare ', orientation),
      h('label', {}, 'Layers ', layers),
      // Only a mixture-of-experts model has experts to pick (an empty field reads as no expert).
      expertFieldShown(modelInfo, options.expert) ? h('label', {}, 'Expert ', expert) : null,
      apply,
      h('label', {}, 'Cluster τ ', threshold),
      error,
    ),
  );
}

function ensureLayout(container: HTMLElement): NonNullable<typeof layout> {
  if (layout && container.contains(layout.root)) return layout;
  const summary = h('p', { class: 'll-muted', 'data-testid': 'similarity-summary' });
  const heatmap = h('div', { class: 'll-sim-plot', 'data-testid': 'similarity-heatmap' });
  const clusters = h('p', { 'data-testid': 'similarity-clusters' });
  const adjacent = h('div', { class: 'll-sim-plot', 'data-testid': 'similarity-adjacent' });
  const detail = h('div', { class: 'll-sim-detail', 'data-testid': 'similarity-detail' });
  const root = h('div', { class: 'll-sim' }, summary, heatmap, clusters, h('h2', {}, 'Adjacent layers'), adjacent, h('h2', {}, 'Pair detail'), detail);
  replaceChildren(container, root);
  multiples = h('div', { class: 'll-sim-multiples', 'data-testid': 'similarity-multiples' });
  clusters.after(h('h2', {}, 'Every index side by side'), multiples);
  layout = { root, summary, heatmap, clusters, adjacent, detail };
  return layout;
}

function describe(view: SimilarityView): string {
  const p = view.plan,
    r = view.result as SimilarityJobResult | undefined;
  const shapes = [...new Set(p.shapes.map((s) => s.join('×')))].join(', ');
  const parts = [
    `${p.kind}: comparing ${p.compared} of the [out, in] weights (${p.orientation})`,
    `${p.layers.length} layers (${shapes})`,
    `${r ? r.pairs.length : view.pairs.size}${r ? '' : ` of ${p.pairs}`} ${p.pairMode === 'adjacent' ? 'adjacent ' : ''}pairs`,
  ];
  if (r) {
    parts.push(`${r.engine.provider} · ${r.engine.threads} thread${r.engine.threads === 1 ? '' : 's'}`);
    parts.push(r.cached ? `from the ${r.cached} cache` : `${r.seconds.toFixed(r.seconds < 10 ? 2 : 1)} s`);
    if (r.resumedPairs) parts.push(`${r.resumedPairs} pair${r.resumedPairs === 1 ? '' : 's'} kept from the cancelled run`);
    if (r.docsChance !== undefined) parts.push(`unrelated matrices of this shape: DOCS ≈ ${formatValue(r.docsChance)}`);
    // Hatched cells: the flagged matrices, named with their counts.
    if (r.nonFinite?.length) parts.push(`not computable (hatched), NaN/Inf weights: ${r.nonFinite.map((f) => `${f.matrix} — ${f.summary}`).join('; ')}`);
  }
  return parts.join(' · ');
}

function redraw(): void {
  if (!current) return;
  const { view, theme, container } = current;
  const l = ensureLayout(container);
  if (!view.plan.indices.includes(state.index)) state.index = view.plan.indices[0];
  if (indexSelect) {
    // A run given a subset of indices (a command argument, the CLI's cache) offers only those.
    enableChoices(indexSelect, (v) => view.plan.indices.includes(v as SimilarityIndex));
    indexSelect.value = state.index;
  }
  const clusters = clustersOf(view, state.index, state.threshold);
  l.summary.textContent = describe(view);
  drawHeatmap(l.heatmap, view, theme, {
    index: state.index,
    clusters,
    selected: state.selected,
    onSelect: (a, b) => {
      state.selected = { a, b };
      redraw();
    },
  });
  const list = clusters.clusters.map((c) => `${layerLabel(view.plan.layers[c.first])}–${layerLabel(view.plan.layers[c.last])} (mean ${formatValue(c.mean)})`);
  l.clusters.textContent = `Clusters of ${INDEX_LABELS[state.index]}: ${list.length ? list.join(', ') : 'none'} (${describeThreshold(clusters)}; ${clusters.rule}).`;
  // The plan carries the chance level, so the reference line is there while pairs stream in.
  drawAdjacent(l.adjacent, view, state.index, clusters, theme, view.plan.docsChance);
  if (multiples)
    drawSmallMultiples(multiples, view, theme, (index) => {
      state.index = index;
      redraw();
    });
  const sel = state.selected;
  drawPairDetail(l.detail, view, sel ? pairAt(view, sel.a, sel.b) : undefined, theme);
}

let pending = 0;
function show(container: HTMLElement, view: SimilarityView, theme: Theme, immediately: boolean): void {
  current = { view, theme, container };
  if (immediately) {
    cancelAnimationFrame(pending);
    redraw();
  } else {
    // Pairs can arrive faster than the heatmap redraws: draw at most once per frame.
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(redraw);
  }
}

startAnalysisPanel<SimilaritySettings, SimilarityPartial, SimilarityJobResult>({
  renderOptions,
  renderPartial(container, partials, theme) {
    const view = viewFromPartials(partials);
    if (view) show(container, view, theme, false);
  },
  renderResult(container, result, theme) {
    show(container, viewFromResult(result), theme, true);
  },
  exportElement: () => layout?.heatmap,
});
