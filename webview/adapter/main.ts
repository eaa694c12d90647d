/**
 * The LoRA adapter panel: a layer × module heatmap of one metric of each module's update ΔW (metric
 * dropdown: ‖ΔW‖_F, ‖ΔW‖_2, stable rank, rank, scaling and, with the base, ‖ΔW‖_F/‖W‖_F, cos(ΔW, W),
 * DOCS(ΔW, W)); clicking a cell draws that module's singular values. Modules outside the layer
 * stack (embeddings) are listed in a table below.
 */
import type { AdapterModule, AdapterResult } from '../../src/analysis/methods/adapter/adapter';
import type { AdapterOptions } from '../../src/analysis/methods/adapter/options';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { h, formatValue, replaceChildren } from '../common/dom';
import { dropdown, type Dropdown } from '../common/toolkit';
import { heatmapOptions, lineOptions, renderPlot, type HeatmapCell } from '../common/plot';
import type { Theme } from '../common/theme';

type Metric = 'fro' | 'spectral' | 'stableRank' | 'rank' | 'scaling' | 'relativeFro' | 'cosine' | 'docs';

const METRICS: [Metric, string, boolean][] = [
  ['fro', '‖ΔW‖_F', false],
  ['spectral', '‖ΔW‖_2', false],
  ['stableRank', 'stable rank', false],
  ['rank', 'rank r', false],
  ['scaling', 'scaling', false],
  ['relativeFro', '‖ΔW‖_F / ‖W‖_F', true],
  ['cosine', 'cos(ΔW, W)', true],
  ['docs', 'DOCS(ΔW, W)', true],
];

// Kept with the webview state: the metric and selected module survive a hidden tab and a reload.
const state = keptState<{ metric: Metric; selected?: string }>({ metric: 'fro', selected: undefined });
let plotHost: HTMLElement | undefined;

function select(label: string, testid: string, choices: [string, string][], value: string, onChange: (v: string) => void): Dropdown {
  return dropdown({ testid, label, options: choices.map(([v, text]) => ({ value: v, label: text })), value, onChange });
}

function valueOf(m: AdapterModule, metric: Metric): number | null {
  const v = m[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One cell per module inside the layer stack: x the module kind, y the layer. */
export function adapterCells(r: AdapterResult, metric: Metric): HeatmapCell[] {
  return r.modules.flatMap((m) => {
    const v = valueOf(m, metric);
    return m.layer === null || v === null ? [] : [{ x: m.kind, y: m.layer, value: v }];
  });
}

function drawSpectrum(host: HTMLElement, r: AdapterResult, theme: Theme): void {
  const m = r.modules.find((x) => x.module === state.selected);
  if (!m) {
    replaceChildren(host, h('p', { class: 'll-adapter-note' }, 'Click a cell to see that module’s singular values.'));
    return;
  }
  const points = m.singularValues.map((y, i) => ({ x: i + 1, y }));
  const plot = h('div', { 'data-testid': 'adapter-spectrum' });
  if (points.length)
    renderPlot(plot, lineOptions([{ name: m.module, points }], theme, { xLabel: 'index', yLabel: 'singular value of ΔW', height: 220 }), theme, {
      caption: `Singular values of the adapter’s update ΔW for ${m.module}, largest first.`,
    });
  replaceChildren(
    host,
    h(
      'p',
      { class: 'll-adapter-note' },
      `${m.module} · [${m.shape.join(' × ')}] · r ${m.rank} · scaling ${formatValue(m.scaling)}${m.reason ? ` · ${m.reason}` : ''}`,
    ),
    plot,
  );
}

function draw(container: HTMLElement, r: AdapterResult, theme: Theme): void {
  const available = METRICS.filter(([, , needsBase]) => !needsBase || r.base !== null);
  if (!available.some(([k]) => k === state.metric)) state.metric = 'fro';
  const [, label] = METRICS.find(([k]) => k === state.metric)!;
  const metricSelect = select(
    'Metric',
    'adapter-metric',
    available.map(([k, l]) => [k, l]),
    state.metric,
    (v) => {
      state.metric = v as Metric;
      draw(container, r, theme);
    },
  );
  plotHost = h('div', { class: 'll-adapter-plot', 'data-testid': 'adapter-heatmap' });
  const spectrumHost = h('div', { class: 'll-adapter-spectrum' });
  const cells = adapterCells(r, state.metric);
  const signed = state.metric === 'cosine';
  if (cells.length) {
    const svg = renderPlot(
      plotHost,
      {
        ...heatmapOptions(cells, theme, {
          xLabel: 'module',
          yLabel: 'layer',
          domain: signed ? [-1, 1] : state.metric === 'docs' ? [0, 1] : undefined,
          diverging: signed,
          width: Math.max(320, Math.min(900, 110 * r.kinds.length + 120)),
          height: Math.max(200, Math.min(900, 22 * r.layers.length + 80)),
          legendLabel: label,
        }),
        x: { label: 'module', domain: r.kinds.filter((k) => r.modules.some((m) => m.kind === k && m.layer !== null)) },
        y: { label: 'layer', domain: r.layers },
      },
      theme,
      { caption: 'Heatmap of adapter modules (columns) by layer (rows), coloured by the chosen measure of each update.' },
    );
    svg.setAttribute('data-cells', JSON.stringify(cells.map((c) => [c.y, c.x, c.value])));
    // A click on a cell selects its module (the cell mark's <rect>s, in data order; the legend's are elsewhere).
    svg.querySelectorAll('g[aria-label="cell"] rect').forEach((rect, i) => {
      const c = cells[i];
      if (!c) return;
      rect.addEventListener('click', () => {
        state.selected = r.modules.find((m) => m.layer === c.y && m.kind === c.x)?.module;
        drawSpectrum(spectrumHost, r, theme);
      });
    });
  }
  const outside = r.modules.filter((m) => m.layer === null);
  const baseLine = r.base
    ? `Base: ${r.base.path}${r.base.how === 'given' ? '' : ` (found by ${r.base.how})`}`
    : r.baseNotFound
      ? `Base '${r.baseNotFound}' was not found on this machine: only the update itself is measured.`
      : 'No base model: only the update itself is measured.';
  const missing = [...new Set(r.modules.filter((m) => m.reason).map((m) => `${m.module}: ${m.reason}`))];
  replaceChildren(
    container,
    h(
      'div',
      { class: 'll-adapter' },
      h('div', { class: 'll-adapter-controls' }, h('label', {}, 'Metric ', metricSelect)),
      plotHost,
      outside.length
        ? h(
            'table',
            { class: 'll-adapter-table' },
            h('tr', {}, h('th', {}, 'module'), h('th', {}, label)),
            ...outside.map((m) => h('tr', {}, h('td', {}, m.module), h('td', {}, formatValue(valueOf(m, state.metric))))),
          )
        : '',
      spectrumHost,
      h('p', { class: 'll-adapter-note' }, `${r.modules.length} LoRA modules · ${r.seconds.toFixed(2)} s · ${baseLine}`),
      ...r.notes.map((n) => h('p', { class: 'll-adapter-note' }, n)),
      ...(missing.length ? [h('p', { class: 'll-adapter-note' }, `Not computed: ${missing.slice(0, 10).join('; ')}`)] : []),
    ),
  );
  drawSpectrum(spectrumHost, r, theme);
}

startAnalysisPanel<AdapterOptions, never, AdapterResult>({
  renderResult(container, result, theme) {
    draw(container, result, theme);
  },
  exportElement: () => plotHost?.querySelector('svg') ?? plotHost,
});
