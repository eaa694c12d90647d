/**
 * The expert-similarity panel: the expert × expert heatmap of one index (index dropdown) for one
 * mixture-of-experts layer and expert matrix kind (layer and kind dropdowns re-run), with the DOCS
 * chance level, the similar pairs and why any cell is empty. Cells are labelled e0…eN and shared.
 */
import type { ExpertsResult } from '../../src/analysis/methods/experts/experts';
import type { ExpertsOptions } from '../../src/analysis/methods/experts/options';
import { INDEX_LABELS, type SimilarityIndex } from '../../src/analysis/methods/similarity/names';
import { EXPERT_ROLES } from '../../src/analysis/model/types';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { h, formatValue, replaceChildren } from '../common/dom';
import { dropdown, type Dropdown } from '../common/toolkit';
import { heatmapOptions, renderPlot, type HeatmapCell } from '../common/plot';
import type { Theme } from '../common/theme';

// The index is kept with the webview state (the result is not: the host replays it).
const kept = keptState<{ index?: SimilarityIndex }>({ index: undefined });
const state: { index?: SimilarityIndex; result?: ExpertsResult; moeLayers: number[] } = { index: kept.index, moeLayers: [] };
let plotHost: HTMLElement | undefined;

function select(label: string, testid: string, choices: [string, string][], value: string, onChange: (v: string) => void): Dropdown {
  return dropdown({ testid, label, options: choices.map(([v, text]) => ({ value: v, label: text })), value, onChange });
}

/** Symmetric cells with a diagonal of 1; pairs without a value are left out (no colour). */
export function expertCells(r: ExpertsResult, index: SimilarityIndex): HeatmapCell[] {
  const cells: HeatmapCell[] = r.labels.map((l) => ({ x: l, y: l, value: 1 }));
  for (const p of r.pairs) {
    const v = p.values[index];
    if (v === null || v === undefined) continue;
    cells.push({ x: p.expertA, y: p.expertB, value: v }, { x: p.expertB, y: p.expertA, value: v });
  }
  return cells;
}

function draw(container: HTMLElement, r: ExpertsResult, theme: Theme): void {
  const index = state.index && r.indices.includes(state.index) ? state.index : r.indices[0];
  state.index = index;
  const indexSelect = select(
    'Index',
    'experts-index',
    r.indices.map((i) => [i, INDEX_LABELS[i]]),
    index,
    (v) => {
      state.index = kept.index = v as SimilarityIndex;
      draw(container, r, theme);
    },
  );
  plotHost = h('div', { class: 'll-experts-plot', 'data-testid': 'experts-heatmap' });
  const size = Math.max(240, Math.min(720, 40 * r.labels.length + 120));
  const cells = expertCells(r, index);
  const signed = index === 'pearson' || index === 'cosine';
  const svg = renderPlot(
    plotHost,
    {
      ...heatmapOptions(cells, theme, {
        xLabel: 'expert',
        yLabel: 'expert',
        domain: signed ? [-1, 1] : [0, 1],
        diverging: signed,
        width: size,
        height: size - 40,
        legendLabel: INDEX_LABELS[index],
      }),
      x: { label: 'expert', domain: r.labels, tickRotate: r.labels.length > 16 ? -90 : 0 },
      y: { label: 'expert', domain: r.labels },
    },
    theme,
    { caption: 'Heatmap of expert × expert similarity of one layer’s matrices, coloured by the chosen index.' },
  );
  svg.setAttribute('data-cells', JSON.stringify(r.pairs.map((p) => [p.expertA, p.expertB, p.values[index] ?? null])));
  const lines: string[] = [
    `Layer ${r.layer} · ${r.kind} · ${r.labels.length} experts · comparing ${r.compared} of the [out, in] weights (${r.orientation}) · ${r.seconds.toFixed(2)} s`,
  ];
  if (index === 'docs' && r.docsChance !== undefined)
    lines.push(`Two independent Gaussian matrices of a routed expert's shape score ≈ ${formatValue(r.docsChance)} (DOCS chance level).`);
  if (index === r.clusters.index) {
    const list = r.clusters.similarPairs.map((p) => `${r.labels[p.a]}–${r.labels[p.b]} ${formatValue(p.value)}`);
    lines.push(`Similar pairs (τ = ${formatValue(r.clusters.threshold)}, ${r.clusters.thresholdRule}): ${list.length ? list.join(', ') : 'none'}`);
  }
  const empty = [...new Set(r.pairs.filter((p) => p.reason && p.values[index] === null).map((p) => p.reason))];
  if (empty.length) lines.push(`Empty cells: ${empty.join('; ')}`);
  replaceChildren(
    container,
    h(
      'div',
      { class: 'll-experts' },
      h('div', { class: 'll-experts-controls' }, h('label', {}, 'Index ', indexSelect)),
      plotHost,
      ...lines.map((t) => h('p', { class: 'll-experts-note' }, t)),
    ),
  );
}

startAnalysisPanel<ExpertsOptions, never, ExpertsResult>({
  renderOptions(container, options, rerun) {
    const layers = state.moeLayers.length ? state.moeLayers : options.layer !== undefined ? [options.layer] : [];
    const kind = options.kind ?? 'up';
    replaceChildren(
      container,
      h(
        'div',
        { class: 'll-options' },
        layers.length
          ? h(
              'label',
              {},
              'Layer ',
              select(
                'Layer',
                'experts-layer',
                layers.map((l) => [String(l), `${l}`]),
                String(options.layer ?? layers[0]),
                (v) => rerun({ ...options, layer: Number(v) }),
              ),
            )
          : '',
        h(
          'label',
          {},
          ' Kind ',
          select(
            'Kind',
            'experts-kind',
            EXPERT_ROLES.map((k) => [k, k]),
            kind,
            (v) => rerun({ ...options, kind: v as ExpertsOptions['kind'] }),
          ),
        ),
      ),
    );
  },
  renderResult(container, result, theme) {
    state.result = result;
    state.moeLayers = result.moeLayers;
    draw(container, result, theme);
  },
  exportElement: () => plotHost?.querySelector('svg') ?? plotHost,
});
