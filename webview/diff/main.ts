/**
 * The checkpoint-diff panel: model A and model B side by side as layer × kind heatmaps of the same
 * per-side metric on one colour scale, the delta heatmap of any diff metric between them, hover and
 * selection synchronised across the three; the selected matrix's detail (delta histogram, delta
 * singular values, every number); the embedding rows that moved most; and the pairing report
 * (tensors present on one side only or with different shapes). Partial results fill the heatmaps
 * while the job runs.
 */
import type { DiffOptions, DiffResult } from '../../src/analysis/methods/diff/diff';
import type { MatrixDiff } from '../../src/analysis/methods/diff/matrix';
import type { EmbeddingDiff } from '../../src/analysis/methods/diff/embeddings';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { formatValue, h, replaceChildren } from '../common/dom';
import { button, dropdown, textField, type Dropdown } from '../common/toolkit';
import { addHatchPattern } from '../common/hatch';
import { renderPlot } from '../common/plot';
import { attachGroupExport } from '../common/figure';
import type { Theme } from '../common/theme';
import { expertFieldOptions, expertFieldShown, parseExpertChoice } from '../common/expertField';
import {
  cellKind,
  DELTA_METRICS,
  deltaCells,
  deltaMetric,
  flaggedCells,
  SIDE_METRICS,
  sideCells,
  sideMetric,
  sharedDomain,
  signedDomain,
  type Cell,
} from './metrics';
import { annotateCells, deltaHistogramPlot, heatmapPlot, rowChangePlot } from './plots';
import { CellSync, type CellKey } from './sync';
import { expertOfFolded, foldExperts, FOLDED_SUFFIX, shouldFold, type FoldedCell } from './expertFold';
import { createDiffDepthSection, type DiffDepthSection } from './depthSection';
import { deltaSpectrumPlot } from './depthPlots';
import { randomReferenceSpectrum } from './depthViews';

// Kept with the webview state: the chosen plots survive a hidden tab and a reload.
const state = keptState({ side: 'norm', delta: 'relChange' });
let entries: MatrixDiff[] = [];
let result: DiffResult | undefined;
let theme: Theme | undefined;
let layout:
  | {
      root: HTMLElement;
      summary: HTMLElement;
      plotA: HTMLElement;
      plotD: HTMLElement;
      plotB: HTMLElement;
      titleA: HTMLElement;
      titleB: HTMLElement;
      detail: HTMLElement;
      embeddings: HTMLElement;
      report: HTMLElement;
    }
  | undefined;
const sync = new CellSync(() => drawDetail());
/** The Δ heatmap's cells when experts are folded (what a click on a folded column resolves against). */
let foldedDelta: (Cell | FoldedCell)[] | undefined;
let depthSection: DiffDepthSection | undefined;

function select(options: { id: string; label: string }[], current: string, testid: string, label: string, onChange: (v: string) => void): Dropdown {
  return dropdown({ testid, label, options: options.map((o) => ({ value: o.id, label: o.label })), value: current, onChange });
}

function baseName(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}

function ensureLayout(container: HTMLElement): NonNullable<typeof layout> {
  if (layout && container.contains(layout.root)) return layout;
  const sideSelect = select(SIDE_METRICS, state.side, 'diff-side-metric', 'Metric of A and B', (v) => {
    state.side = v;
    drawHeatmaps();
  });
  const deltaSelect = select(DELTA_METRICS, state.delta, 'diff-delta-metric', 'Diff metric', (v) => {
    state.delta = v;
    drawHeatmaps();
  });
  const column = (title: HTMLElement, plot: HTMLElement, cls: string) => h('div', { class: `ll-diff-column ${cls}` }, title, plot);
  const titleA = h('h3', {}, 'A');
  const titleB = h('h3', {}, 'B');
  const plotA = h('div', { class: 'll-diff-plot', 'data-testid': 'diff-heatmap-a' });
  const plotD = h('div', { class: 'll-diff-plot', 'data-testid': 'diff-heatmap-delta' });
  const plotB = h('div', { class: 'll-diff-plot', 'data-testid': 'diff-heatmap-b' });
  const summary = h('p', { class: 'll-diff-summary', 'data-testid': 'diff-summary' });
  const detail = h('div', { class: 'll-diff-detail', 'data-testid': 'diff-detail' });
  const embeddings = h('div', { class: 'll-diff-embeddings', 'data-testid': 'diff-embeddings' });
  const report = h('div', { class: 'll-diff-report', 'data-testid': 'diff-report' });
  const root = h(
    'div',
    { class: 'll-diff' },
    summary,
    h('div', { class: 'll-diff-row' }, h('label', {}, 'A and B: ', sideSelect), h('label', {}, 'Δ: ', deltaSelect)),
    h(
      'div',
      { class: 'll-diff-sides' },
      column(titleA, plotA, 'll-diff-a'),
      column(h('h3', {}, 'Δ = B − A'), plotD, 'll-diff-delta'),
      column(titleB, plotB, 'll-diff-b'),
    ),
    h('h2', {}, 'Matrix detail'),
    detail,
    embeddings,
    report,
  );
  replaceChildren(container, root);
  depthSection = createDiffDepthSection();
  root.querySelector('.ll-diff-sides')?.after(depthSection.root);
  attachGroupExport(root.querySelector('.ll-diff-sides') as HTMLElement, () => theme, 'diff-heatmaps', 'A, Δ and B side by side');
  layout = { root, summary, plotA, plotD, plotB, titleA, titleB, detail, embeddings, report };
  return layout;
}

function drawHeatmaps(): void {
  if (!layout || !theme) return;
  const side = sideMetric(state.side);
  const delta = deltaMetric(state.delta);
  const flagged = flaggedCells(result?.nonFinite);
  const a = [...sideCells(entries, side, 'a'), ...flagged];
  const b = [...sideCells(entries, side, 'b'), ...flagged];
  const d = [...deltaCells(entries, delta), ...flagged];
  // Hundreds of routed experts: each kind's experts folded into one column, the maximum over them (expertFold.ts).
  const fold = shouldFold(a);
  const [fa, fd, fb] = fold ? [foldExperts(a), foldExperts(d), foldExperts(b)] : [a, d, b];
  foldedDelta = fold ? fd : undefined;
  const domain = sharedDomain(fa, fb);
  const plots: Element[] = [];
  for (const [el, cells, spec, id] of [
    [layout.plotA, fa, { label: side.short, domain }, 'diff-cell-a'],
    [layout.plotD, fd, { label: delta.short, domain: delta.signed ? signedDomain(fd) : delta.domain, diverging: delta.signed }, 'diff-cell-delta'],
    [layout.plotB, fb, { label: side.short, domain }, 'diff-cell-b'],
  ] as const) {
    const plot = renderPlot(el, heatmapPlot(cells, spec, theme), theme, {
      caption: `Heatmap of layers (rows) by matrix kind (columns), coloured by ${spec.label}${
        fold ? '; the routed experts of each kind folded into one column, the maximum over the layer’s experts (a click opens the expert that holds it)' : ''
      }.`,
    });
    annotateCells(plot, cells, id);
    addHatchPattern(plot, theme);
    plots.push(plot);
  }
  sync.attach(plots);
}

function describe(e: MatrixDiff): string {
  const s = e.delta.singularValues;
  const zeros = s.filter((v) => v === 0).length;
  const parts = [
    `layer ${e.layer} ${cellKind(e)}: ${e.shape[0]}×${e.shape[1]} (${e.dtypeA} → ${e.dtypeB})`,
    `‖Δ‖/‖A‖ = ${formatValue(e.relChange)}`,
    `cos = ${formatValue(e.cosine)}`,
    `DOCS = ${formatValue(e.docs)}`,
    `stable rank of Δ = ${formatValue(e.delta.stableRank)}`,
    `effective rank of Δ = ${formatValue(e.delta.effectiveRank)}`,
    `σ₁..σ₄ of Δ = ${s.slice(0, 4).map(formatValue).join(', ')}${zeros ? ` (${zeros} of the ${s.length} shown are 0)` : ''}`,
    `max |Δ| = ${formatValue(e.maxAbsDelta)}`,
  ];
  if (e.a && e.b && e.change) {
    parts.push(
      `α ${formatValue(e.a.alpha)} → ${formatValue(e.b.alpha)}`,
      `stable rank ${formatValue(e.a.stableRank)} → ${formatValue(e.b.stableRank)}`,
      `log10 λmax ${formatValue(e.a.logSpectralNorm)} → ${formatValue(e.b.logSpectralNorm)}`,
    );
  }
  return parts.join(' · ');
}

function drawDetail(): void {
  if (!layout || !theme) return;
  if (!sync.selected) {
    const first = result?.largest ?? entries[0];
    if (!first) return;
    sync.selected = { layer: first.layer, kind: cellKind(first) };
    drawHeatmaps();
  }
  const key = sync.selected as CellKey;
  // A folded experts column opens the expert that holds the Δ heatmap's maximum there.
  const kind = key.kind.endsWith(FOLDED_SUFFIX) && foldedDelta ? (expertOfFolded(foldedDelta, key.layer, key.kind) ?? key.kind) : key.kind;
  const e = entries.find((x) => x.layer === key.layer && cellKind(x) === kind);
  if (!e) return;
  const hist = h('div', { class: 'll-diff-plot', 'data-testid': 'diff-histogram' });
  const sv = h('div', { class: 'll-diff-plot', 'data-testid': 'diff-singular' });
  replaceChildren(
    layout.detail,
    h('p', { 'data-testid': 'diff-detail-summary' }, describe(e)),
    h('div', { class: 'll-diff-pair' }, h('div', {}, h('h3', {}, 'Histogram of Δ entries'), hist), h('div', {}, h('h3', {}, 'Singular values of Δ'), sv)),
  );
  const hp = deltaHistogramPlot(e.delta.histogram, theme);
  if (typeof hp === 'string') hist.textContent = hp;
  else renderPlot(hist, hp, theme, { caption: 'Histogram of the entries of Δ = B − A on a log count axis.' });
  const sp = deltaSpectrumPlot(e.delta.singularValues, randomReferenceSpectrum(e.shape[0], e.shape[1], e.normDelta, e.delta.singularValues.length), theme);
  if (typeof sp === 'string') sv.textContent = sp;
  else renderPlot(sv, sp, theme, { caption: 'Singular values σᵢ of Δ (solid) against a random matrix of the same shape and norm (dashed).' });
}

function embeddingBlock(m: EmbeddingDiff, t: Theme): HTMLElement {
  const plot = h('div', { class: 'll-diff-plot' });
  const p = rowChangePlot(m.histogram, t);
  if (typeof p === 'string') plot.textContent = p;
  else renderPlot(plot, p, t, { caption: 'Histogram of the relative change of each token row of the embedding.' });
  const rows = m.top.map((x) =>
    h(
      'tr',
      {},
      h('td', {}, String(x.id)),
      h('td', { class: 'll-diff-token' }, x.token ?? ''),
      h('td', {}, formatValue(x.change)),
      h('td', {}, formatValue(x.normA)),
      h('td', {}, formatValue(x.normB)),
    ),
  );
  const sizes = m.rowsA !== m.rowsB ? ` A has ${m.rowsA} token rows, B ${m.rowsB}; the first ${m.rowsCompared} are compared.` : '';
  return h(
    'section',
    { 'data-testid': `diff-embedding-${m.role}` },
    h('h3', {}, m.role === 'embed' ? 'Token embeddings' : 'lm_head'),
    h(
      'p',
      {},
      `‖Δ‖/‖A‖ = ${formatValue(m.relChange)} · cos = ${formatValue(m.cosine)} · ${m.changedRows} of ${m.rowsCompared} rows changed (mean ${formatValue(m.meanRowChange)}, max ${formatValue(m.maxRowChange)}).${sizes}`,
    ),
    plot,
    m.top.length
      ? h(
          'table',
          { class: 'll-diff-table', 'data-testid': `diff-tokens-${m.role}` },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'id'),
              h('th', {}, m.tokenizer ? 'token' : 'token (no tokenizer.json)'),
              h('th', {}, 'row change'),
              h('th', {}, '‖a_r‖'),
              h('th', {}, '‖b_r‖'),
            ),
          ),
          h('tbody', {}, ...rows),
        )
      : null,
  );
}

function drawTail(): void {
  if (!layout || !theme || !result) return;
  const r = result;
  const rep = r.report;
  layout.titleA.textContent = `A · ${baseName(r.modelA)}`;
  layout.titleB.textContent = `B · ${baseName(r.modelB)}`;
  layout.summary.textContent = `A: ${baseName(r.modelA)} (${rep.architectureA}, ${rep.layersA} layers, ${rep.dtypesA.join('/')}) · B: ${baseName(r.modelB)} (${rep.architectureB}, ${rep.layersB} layers, ${rep.dtypesB.join('/')}) · ${r.entries.length} matrices compared, ${r.changedMatrices} changed${r.largest ? `; largest change: layer ${r.largest.layer} ${cellKind(r.largest)} (${formatValue(r.largest.relChange)})` : ''}.`;
  replaceChildren(
    layout.embeddings,
    ...(r.embeddings.length ? [h('h2', {}, 'Embeddings and lm_head'), ...r.embeddings.map((m) => embeddingBlock(m, theme!))] : []),
  );
  const changedOthers = r.others.filter((o) => o.relChange !== 0);
  const unmatched = rep.unmatched.map((u) =>
    h(
      'tr',
      {},
      h('td', {}, u.what),
      h('td', {}, u.shapeA ? `[${u.shapeA.join(', ')}]` : '—'),
      h('td', {}, u.shapeB ? `[${u.shapeB.join(', ')}]` : '—'),
      h('td', {}, u.reason),
    ),
  );
  replaceChildren(
    layout.report,
    h('h2', {}, 'Pairing'),
    h(
      'p',
      {},
      `${rep.pairedMatrices} matrices, ${rep.pairedEmbeddings} embedding tensors and ${rep.pairedOthers} other tensors paired (${changedOthers.length} of the others changed${
        changedOthers.length
          ? `: ${changedOthers
              .slice(0, 6)
              .map((o) => `${o.name} ${formatValue(o.relChange)}`)
              .join(', ')}`
          : ''
      }).`,
    ),
    ...rep.notes.map((n) => h('p', { class: 'll-diff-note' }, n)),
    rep.unmatched.length
      ? h(
          'table',
          { class: 'll-diff-table', 'data-testid': 'diff-unmatched' },
          h('thead', {}, h('tr', {}, h('th', {}, 'tensor'), h('th', {}, 'A'), h('th', {}, 'B'), h('th', {}, 'why not compared'))),
          h('tbody', {}, ...unmatched),
        )
      : h('p', {}, 'Every tensor has a partner of the same shape.'),
  );
}

function draw(container: HTMLElement, list: MatrixDiff[], t: Theme): void {
  entries = list;
  theme = t;
  ensureLayout(container);
  drawHeatmaps();
  depthSection?.draw(entries, t);
  drawDetail();
  drawTail();
}

startAnalysisPanel<DiffOptions, MatrixDiff, DiffResult>({
  renderOptions(container, options, rerun, modelInfo) {
    // Neither model has mixture-of-experts layers: no experts to pick, no options to show.
    if (!expertFieldShown(modelInfo, options.expert)) {
      replaceChildren(container);
      return;
    }
    const expert = textField(expertFieldOptions('diff-expert', options.expert, true));
    const error = h('span', { class: 'll-sim-error', role: 'alert' });
    const apply = button(
      {
        appearance: 'secondary',
        testid: 'diff-expert-apply',
        onClick: () => {
          try {
            error.textContent = '';
            const choice = parseExpertChoice(expert.value, true);
            const { expert: _old, ...rest } = options;
            rerun(choice === undefined ? rest : { ...rest, expert: choice });
          } catch (e) {
            error.textContent = e instanceof Error ? e.message : String(e);
          }
        },
      },
      'Compare',
    );
    replaceChildren(container, h('div', { class: 'll-diff-row' }, h('label', {}, 'Experts of mixture-of-experts layers: ', expert), apply, error));
  },
  renderPartial(container, partials, t) {
    result = undefined;
    draw(container, partials, t);
  },
  renderResult(container, r, t) {
    result = r;
    draw(container, r.entries, t);
  },
});
