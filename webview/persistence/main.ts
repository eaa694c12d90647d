/**
 * The persistence-similarity panel: the heatmap S_p(i, j)/β_p(i), Betti curves, S̄_p by layer with
 * the pruning threshold (slider p) and the suggested layers highlighted, the residual-stream Block
 * Influence and angular distances beside it, the barcode over zigzag positions, and "prune and evaluate", whose
 * results (perplexity of the original and the pruned copy) collect in a table. Notes say how
 * prompts were truncated, which homology was computed and where the cap on pruning applied.
 */
import type { PersistenceJobResult, PruneJobResult } from '../../src/analysis/methods/persistence/job';
import type { PersistencePanelOptions } from '../../src/analysis/methods/persistence/options';
import { BUILTIN_DOMAINS } from '../../src/analysis/prompts/index';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { cachedNote, formatValue, h, replaceChildren } from '../common/dom';
import { button, checkbox, dropdown, numberField, slider as rangeSlider, type TextField } from '../common/toolkit';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { averagePlot, barcodePlot, baselinePlot, bettiPlot, heatmapTable } from './plots';
import { markedHeatmapPlot } from './blockMarks';
import { curvesSection } from './curves';
import { homologyText, sliderSuggestion, suggestionsLine, suggestionText, tokensText } from './notes';
import type { PromptKeep } from '../../src/analysis/methods/persistence/truncation';

// The homology dimension and the slider's p are kept with the webview state (hidden tab, reload).
const kept = keptState({ dim: 1, ratio: 0.9 });
let dim = kept.dim;
let ratio = kept.ratio;
const evaluations: PruneJobResult[] = [];

function numberInput(value: number, testid: string, label: string, min: number, max: number): TextField {
  return numberField({ value, min, max, step: 1, testid, label, class: 'll-persistence-number' });
}

function renderOptions(container: HTMLElement, o: PersistencePanelOptions, rerun: (o: PersistencePanelOptions) => void): void {
  const k = numberInput(o.k, 'persistence-k', 'Neighbours k', 1, 100);
  const maxDim = numberInput(o.maxDim, 'persistence-dim', 'Clique complex dimension', 2, 5);
  const perDomain = numberInput(o.perDomain, 'persistence-per-domain', 'Prompts per domain (0 = all)', 0, 100000);
  const maxTokens = numberInput(o.maxTokens, 'persistence-max-tokens', 'Tokens per prompt', 1, 8192);
  const keep = dropdown({
    testid: 'persistence-keep',
    label: 'Tokens a longer prompt keeps',
    options: [
      { value: 'first', label: 'first (as the paper)' },
      { value: 'last', label: 'last' },
    ],
    value: o.keep,
  });
  const share = numberField({
    value: o.maxPrunedShare,
    min: 0.05,
    max: 0.95,
    step: 0.05,
    testid: 'persistence-max-pruned',
    label: 'Largest share of layers pruned',
    class: 'll-persistence-number',
  });
  const boxes = BUILTIN_DOMAINS.map((d) => {
    const box = checkbox({ testid: `persistence-domain-${d}`, label: d, checked: o.domains.includes(d) });
    return [d, box] as const;
  });
  const run = button({ testid: 'persistence-run', appearance: 'secondary', class: 'll-persistence-button' }, 'Run with these options');
  run.addEventListener('click', () =>
    rerun({
      ...o,
      k: Number(k.value),
      maxDim: Number(maxDim.value),
      perDomain: Number(perDomain.value),
      maxTokens: Number(maxTokens.value),
      keep: keep.value as PromptKeep,
      maxPrunedShare: Number(share.value),
      domains: boxes.filter(([, b]) => b.checked).map(([d]) => d),
    }),
  );
  replaceChildren(
    container,
    h(
      'div',
      { class: 'll-row ll-persistence-row' },
      h('label', {}, 'k ', k),
      h('label', {}, 'clique dim ', maxDim),
      h('label', {}, 'tokens per prompt ', maxTokens),
      h('label', {}, 'longer prompts keep their ', keep),
      h('label', {}, 'prune at most ', share, ' of the layers'),
    ),
    h(
      'div',
      { class: 'll-row ll-persistence-row' },
      'Built-in prompts: ',
      ...boxes.map(([, b]) => b),
      h('label', {}, ' per domain ', perDomain),
      o.useFile ? h('span', { class: 'll-persistence-note' }, 'plus the chosen prompt file') : null,
      run,
    ),
  );
}

function evaluationTable(): HTMLTableElement {
  const head = h(
    'tr',
    {},
    ...['removed layers', 'layers left', 'held-out text', 'tokens', 'perplexity original', 'perplexity pruned', 'ratio', 'copy'].map((c) => h('th', {}, c)),
  );
  const rows = evaluations.map((e) =>
    h(
      'tr',
      {},
      h('td', {}, e.prune.removedLayers.join(', ')),
      h('td', {}, e.prune.keptLayers),
      h('td', {}, e.heldOutSource),
      h('td', {}, e.original.tokens),
      h('td', {}, e.original.perplexity.toFixed(3)),
      h('td', {}, e.pruned.perplexity.toFixed(3)),
      h('td', {}, (e.pruned.perplexity / e.original.perplexity).toFixed(3)),
      h('td', { class: 'll-persistence-path' }, e.prune.outDir),
    ),
  );
  return h('table', { class: 'll-persistence-table', 'data-testid': 'persistence-prune-table' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function draw(container: HTMLElement, r: PersistenceJobResult, theme: Theme): void {
  dim = Math.min(dim, r.homologyDims.length - 1);
  const sdim = r.suggestionDim;
  const suggestion = sliderSuggestion(r, ratio);
  const dimSelect = dropdown({
    testid: 'persistence-dim-select',
    label: 'Homology dimension',
    options: r.homologyDims.map((p) => ({ value: String(p), label: `H${p}` })),
    value: String(dim),
  });
  dimSelect.addEventListener('change', () => {
    dim = kept.dim = Number(dimSelect.value);
    draw(container, r, theme);
  });
  const slider = rangeSlider({ min: 0.5, max: 1, step: 0.01, value: ratio, testid: 'persistence-ratio', label: 'Pruning ratio p' });
  slider.addEventListener('change', () => {
    ratio = kept.ratio = Number(slider.value);
    draw(container, r, theme);
  });
  const pruneButton = button(
    { testid: 'persistence-prune', appearance: 'secondary', class: 'll-persistence-button', disabled: suggestion.layers.length === 0 },
    suggestion.layers.length ? `Prune and evaluate: remove layers ${suggestion.layers.join(', ')}` : 'No layer suggested at this p',
  );
  const status = h('span', { class: 'll-persistence-note', 'data-testid': 'persistence-prune-status' });
  pruneButton.addEventListener('click', () => {
    status.textContent = 'Choose a folder and a text in the dialogs…';
    panel.request('pruneAndEvaluate', { layers: suggestion.layers }).then(
      (res) => {
        if (res === null) {
          status.textContent = 'Cancelled.';
          return;
        }
        evaluations.push(res as PruneJobResult);
        draw(container, r, theme);
      },
      (err: unknown) => {
        status.textContent = `Failed: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  });
  const heat = h('div', { class: 'll-persistence-plot', 'data-testid': 'persistence-heatmap' });
  const betti = h('div', { class: 'll-persistence-plot', 'data-testid': 'persistence-betti' });
  const avg = h('div', { class: 'll-persistence-plot', 'data-testid': 'persistence-average' });
  const base = h('div', { class: 'll-persistence-plot', 'data-testid': 'persistence-baselines' });
  const code = h('div', { class: 'll-persistence-plot', 'data-testid': 'persistence-barcode' });
  replaceChildren(
    container,
    h(
      'p',
      { class: 'll-persistence-note', 'data-testid': 'persistence-summary' },
      `${r.prompts} prompts · k = ${r.k} · clique dim ${r.maxDim} · ${r.bars.length} bars · ${r.instances} simplex instances · ` +
        `forward ${r.forwardSeconds.toFixed(1)} s, k-NN ${(r.timings.knnMs / 1000).toFixed(2)} s, complexes ${(r.timings.complexMs / 1000).toFixed(2)} s, ` +
        `zigzag ${((r.timings.zigzagBuildMs + r.timings.reductionMs) / 1000).toFixed(2)} s${cachedNote(r)}`,
    ),
    h('p', { class: 'll-persistence-note', 'data-testid': 'persistence-tokens' }, tokensText(r)),
    h('p', { class: 'll-persistence-note', 'data-testid': 'persistence-homology' }, homologyText(r)),
    h('p', { class: 'll-persistence-note', 'data-testid': 'persistence-suggestions' }, suggestionsLine(r)),
    h('div', { class: 'll-row ll-persistence-row' }, h('label', {}, 'Homology dimension ', dimSelect)),
    h(
      'div',
      { class: 'll-persistence-grid' },
      h('div', {}, h('h2', {}, `Persistence similarity S${dim}(i, j) / β${dim}(i)`), heat),
      h('div', {}, h('h2', {}, 'Betti numbers per layer'), betti),
    ),
    h(
      'div',
      { class: 'll-persistence-grid' },
      h(
        'div',
        {},
        h('h2', {}, `Average similarity S̄${sdim} and pruning threshold`),
        h(
          'div',
          { class: 'll-row ll-persistence-row' },
          h('label', {}, 'p ', slider, ` ${ratio.toFixed(2)} → threshold ${formatValue(suggestion.threshold)}: ${suggestionText(suggestion)}`),
        ),
        avg,
      ),
      h('div', {}, h('h2', {}, 'Baselines on the residual stream (same forward passes)'), base),
    ),
    h('h2', {}, `Barcode (H${dim}) over zigzag positions`),
    code,
    h('h2', {}, 'Prune and evaluate'),
    h('div', { class: 'll-row ll-persistence-row' }, pruneButton, status),
    evaluationTable(),
    curvesSection(panel, r, theme),
  );
  // The suggestion at p outlined solid, the last evaluated prune dashed.
  renderPlot(heat, markedHeatmapPlot(r, dim, theme, suggestion.layers, evaluations.at(-1)?.prune.removedLayers ?? []), theme, {
    caption: 'Heatmap of layer i (rows) by layer j (columns): the share of layer i’s persistent features that survive to layer j; suggested blocks outlined.',
    table: heatmapTable(r, dim),
  });
  renderPlot(betti, bettiPlot(r, theme), theme, { caption: 'Betti numbers (y, symmetric log) of each homology dimension (colour) by layer (x).' });
  renderPlot(avg, averagePlot(r, sdim, suggestion.threshold, suggestion.layers, theme), theme, {
    caption: 'Average similarity of each layer to the following ones (y) by layer (x); the threshold dashed, layers suggested for removal highlighted.',
  });
  renderPlot(base, baselinePlot(r, theme), theme, {
    caption: 'Redundancy of each block of layers by its first layer (x) for the persistence measure and the baselines (colour); lower is more redundant.',
  });
  renderPlot(code, barcodePlot(r, dim, theme), theme, { caption: 'Barcode: the birth and death of each persistent feature along the zigzag of layers.' });
}

const panel = startAnalysisPanel<PersistencePanelOptions, never, PersistenceJobResult>({
  renderOptions,
  renderResult: draw,
  exportElement: () => document.querySelector('[data-testid="persistence-heatmap"]'),
});

// Prune evaluations are kept by the host: a re-created webview gets the table's rows again.
panel.onReplayedReply('pruneAndEvaluate', (res) => {
  evaluations.push(res as PruneJobResult);
  panel.redraw();
});
