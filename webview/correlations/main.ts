/**
 * The weight-correlations panel: the study's 2×4 grid — heatmaps layer × query head of M1, M2, M3
 * (one shared colour scale), M4 and M5; the M1-vs-M5 scatter coloured by layer with the M6 line
 * and its r; heatmaps layer × measure of M7 (4 columns) and M8 (3 columns). Hover a cell for its
 * exact value; click a head cell to see the two matrices' entries against each other. Layers fill
 * in while the job runs. Test ids: corr-summary, corr-grid, corr-M1 … corr-M5, corr-M6, corr-M7,
 * corr-M8, corr-m6-summary, corr-not-applicable, corr-detail, corr-detail-summary.
 */
import type { CorrelationsOptions, CorrelationsResult, LayerCorrelations } from '../../src/analysis/methods/correlations/correlations';
import { HEAD_LABELS, M7_LABELS, M7_MEASURES, M8_LABELS, M8_MEASURES, type HeadMeasure } from '../../src/analysis/methods/correlations/names';
import type { HeadValues } from '../../src/analysis/methods/correlations/values';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { expertFieldOptions, expertFieldShown, parseExpertChoice } from '../common/expertField';
import { formatValue, h, replaceChildren } from '../common/dom';
import { button, textField } from '../common/toolkit';
import type { Theme } from '../common/theme';
import { describeValues, drawHeatmap, drawM6, drawValues } from './plots';
import { axes, headCells, mlpCells, scatterPoints, symmetricDomain, type CorrCell } from './viewModel';
import { drawHeadMeans } from './depthPlots';
import { headMeanPoints } from './depthViews';

type Box = { root: HTMLElement; plot: HTMLElement };
let layout:
  | {
      root: HTMLElement;
      summary: HTMLElement;
      grid: HTMLElement;
      boxes: Record<string, Box>;
      m6Summary: HTMLElement;
      notApplicable: HTMLElement;
      detail: HTMLElement;
      detailSummary: HTMLElement;
      detailPlot: HTMLElement;
    }
  | undefined;
let current: { entries: LayerCorrelations[]; result?: CorrelationsResult; theme: Theme } | undefined;
// The selected head is kept with the webview state, so it survives a hidden tab and a reload.
const kept = keptState<{ selected?: { layer: number; head: number; measure: HeadMeasure } }>({ selected: undefined });
let selected = kept.selected;
let detailRequest = 0;
let depthBox: HTMLElement | undefined;

const GRID: { id: string; title: string }[] = [
  { id: 'M1', title: HEAD_LABELS.M1 },
  { id: 'M2', title: HEAD_LABELS.M2 },
  { id: 'M3', title: HEAD_LABELS.M3 },
  { id: 'M4', title: HEAD_LABELS.M4 },
  { id: 'M5', title: HEAD_LABELS.M5 },
  { id: 'M6', title: 'M6 M1 vs M5 over all heads' },
  { id: 'M7', title: 'M7 MLP matrices' },
  { id: 'M8', title: 'M8 MLP products vs I' },
];

function ensureLayout(container: HTMLElement): NonNullable<typeof layout> {
  if (layout && container.contains(layout.root)) return layout;
  const boxes: Record<string, Box> = {};
  const grid = h('div', { class: 'll-corr-grid', 'data-testid': 'corr-grid' });
  for (const g of GRID) {
    const plot = h('div', { class: 'll-corr-plot', 'data-testid': `corr-${g.id}` });
    const root = h('figure', { class: 'll-corr-cell' }, h('figcaption', {}, g.title), plot);
    grid.append(root);
    boxes[g.id] = { root, plot };
  }
  const m6Summary = h('p', { class: 'll-muted', 'data-testid': 'corr-m6-summary' });
  boxes.M6.root.append(m6Summary);
  const summary = h('p', { class: 'll-muted', 'data-testid': 'corr-summary' });
  const notApplicable = h('p', { class: 'll-muted', 'data-testid': 'corr-not-applicable', hidden: true });
  const detailSummary = h('p', { 'data-testid': 'corr-detail-summary' }, 'Click a head in M1–M5 to see the entries of the two matrices it compares.');
  const detailPlot = h('div', { class: 'll-corr-plot' });
  const detail = h('div', { class: 'll-corr-detail', 'data-testid': 'corr-detail' }, detailSummary, detailPlot);
  const root = h('div', { class: 'll-corr' }, summary, notApplicable, grid, h('h2', {}, 'Head detail'), detail);
  replaceChildren(container, root);
  depthBox = h('div', { class: 'll-corr-grid', 'data-testid': 'corr-depth' });
  grid.after(h('h2', {}, 'Head-mean against depth (shaded: 95% band of random matrices)'), depthBox);
  layout = { root, summary, grid, boxes, m6Summary, notApplicable, detail, detailSummary, detailPlot };
  return layout;
}

function describe(entries: LayerCorrelations[], result?: CorrelationsResult): string {
  const parts: string[] = [];
  if (result) {
    parts.push(`${result.architecture}`);
    const a = result.attention;
    if (a) parts.push(`${a.numHeads} query heads over ${a.numKvHeads} kv heads (query head h uses kv head ⌊h/${a.groupSize}⌋), head_dim ${a.headDim}`);
    parts.push(
      `${result.layers.length} layers`,
      result.cached === result.layers.length
        ? 'from the cache'
        : `${result.seconds.toFixed(result.seconds < 10 ? 2 : 1)} s${result.cached ? ` (${result.cached} layers cached)` : ''}`,
    );
  } else parts.push(`${entries.length} layers so far`);
  const notes = entries.flatMap((e) => e.notes.map((n) => `layer ${e.layer}: ${n}`));
  return [parts.join(' · '), ...notes].join(' — ');
}

async function showDetail(l: NonNullable<typeof layout>, theme: Theme): Promise<void> {
  if (!selected) return;
  const id = ++detailRequest;
  l.detailSummary.textContent = `Reading layer ${selected.layer}, head ${selected.head}…`;
  try {
    const v = (await panel.request('headValues', { ...selected })) as HeadValues;
    if (id !== detailRequest) return;
    l.detailSummary.textContent = describeValues(v);
    drawValues(l.detailPlot, v, theme);
  } catch (err) {
    if (id === detailRequest) l.detailSummary.textContent = `Could not read the head: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function draw(): void {
  if (!current || !layout) return;
  const { entries, result, theme } = current;
  const l = layout;
  l.summary.textContent = describe(entries, result);
  const na = result?.notApplicable ?? [];
  l.notApplicable.hidden = na.length === 0;
  l.notApplicable.textContent = na.length
    ? `Not applicable: ${[...new Set(na.map((n) => n.reason))]
        .map(
          (reason) =>
            `${na
              .filter((n) => n.reason === reason)
              .map((n) => (({ ...M7_LABELS, ...M8_LABELS }) as Record<string, string>)[n.measure] ?? n.measure)
              .join(', ')} (${reason})`,
        )
        .join('; ')}.`
    : '';
  const { layers, heads } = axes(entries);
  const cells = Object.fromEntries((['M1', 'M2', 'M3', 'M4', 'M5'] as const).map((m) => [m, headCells(entries, m, result)])) as Record<HeadMeasure, CorrCell[]>;
  const shared = symmetricDomain(cells.M1, cells.M2, cells.M3);
  const headAxes = { x: heads, y: layers, xLabel: 'query head' };
  for (const m of ['M1', 'M2', 'M3', 'M4', 'M5'] as const) {
    const box = l.boxes[m].plot;
    if (heads.length === 0) {
      box.textContent = 'No per-head values (see the notes above).';
      continue;
    }
    const domain = m === 'M1' || m === 'M2' || m === 'M3' ? shared : symmetricDomain(cells[m]);
    const sel = selected && selected.measure === m ? { layer: selected.layer, col: selected.head } : undefined;
    drawHeatmap(
      box,
      cells[m],
      headAxes,
      domain,
      m === 'M1' || m === 'M2' || m === 'M3' ? 'cc (shared by M1–M3)' : 'cc',
      theme,
      (c) => {
        selected = kept.selected = { layer: c.layer, head: c.col, measure: m };
        draw();
        void showDetail(l, theme);
      },
      sel,
    );
  }
  const points = scatterPoints(entries);
  drawM6(l.boxes.M6.plot, points, result?.m6, theme);
  l.m6Summary.textContent = result?.m6
    ? `M5 = ${formatValue(result.m6.intercept)} + ${formatValue(result.m6.slope)}·M1 over ${result.m6.n} heads; r = ${formatValue(result.m6.r)}`
    : result
      ? 'Too few heads for a regression line.'
      : 'The line and r appear when every layer is done.';
  const m7 = mlpCells(entries, 'm7', result),
    m8 = mlpCells(entries, 'm8', result);
  drawHeatmap(l.boxes.M7.plot, m7, { x: M7_MEASURES.map((k) => M7_LABELS[k]), y: layers, xLabel: 'measure' }, symmetricDomain(m7), 'cc', theme);
  if (depthBox) drawHeadMeans(depthBox, headMeanPoints(entries), theme);
  drawHeatmap(l.boxes.M8.plot, m8, { x: M8_MEASURES.map((k) => M8_LABELS[k]), y: layers, xLabel: 'measure' }, symmetricDomain(m8), 'cc(·, I)', theme);
}

const panel = startAnalysisPanel<CorrelationsOptions, LayerCorrelations, CorrelationsResult>({
  renderOptions(container, options, rerun, modelInfo) {
    // A dense model has no experts to pick: no options to show.
    if (!expertFieldShown(modelInfo, options.expert)) {
      replaceChildren(container);
      return;
    }
    // Mixture-of-experts layers: whose gate/up/down stand for the MLP in M7/M8.
    const expert = textField(expertFieldOptions('correlations-expert', options.expert, false));
    const error = h('span', { class: 'll-sim-error', role: 'alert' });
    const apply = button(
      {
        appearance: 'secondary',
        testid: 'correlations-expert-apply',
        onClick: () => {
          try {
            error.textContent = '';
            const choice = parseExpertChoice(expert.value, false) as CorrelationsOptions['expert'];
            const { expert: _e, ...rest } = options;
            rerun(choice === undefined ? rest : { ...rest, expert: choice });
          } catch (e) {
            error.textContent = e instanceof Error ? e.message : String(e);
          }
        },
      },
      'Apply',
    );
    replaceChildren(container, h('div', { class: 'll-row' }, h('label', {}, 'MLP of mixture-of-experts layers: expert ', expert), apply, error));
  },
  renderPartial(container, partials, theme) {
    ensureLayout(container);
    current = { entries: [...partials].sort((a, b) => a.layer - b.layer), theme };
    draw();
  },
  renderResult(container, result, theme) {
    ensureLayout(container);
    current = { entries: result.entries, result, theme };
    draw();
  },
  exportElement: () => layout?.grid,
});
