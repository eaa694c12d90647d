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
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { averagePlot, barcodePlot, baselinePlot, bettiPlot } from './plots';
import { markedHeatmapPlot } from './blockMarks';
import { homologyText, sliderSuggestion, suggestionsLine, suggestionText, tokensText } from './notes';
import type { PromptKeep } from '../../src/analysis/methods/persistence/truncation';

// The homology dimension and the slider's p are kept with the webview state (hidden tab, reload).
const kept = keptState({ dim: 1, ratio: 0.9 });
let dim = kept.dim;
let ratio = kept.ratio;
const evaluations: PruneJobResult[] = [];

function numberInput(value: number, testid: string, label: string, min: number, max: number): HTMLInputElement {
  const el = h('input', {
    type: 'number',
    step: '1',
    min: String(min),
    max: String(max),
    'data-testid': testid,
    'aria-label': label,
    class: 'll-field ll-persistence-number',
  });
  el.value = String(value);
  return el;
}

function renderOptions(container: HTMLElement, o: PersistencePanelOptions, rerun: (o: PersistencePanelOptions) => void): void {
  const k = numberInput(o.k, 'persistence-k', 'Neighbours k', 1, 100);
  const maxDim = numberInput(o.maxDim, 'persistence-dim', 'Clique complex dimension', 2, 5);
  const perDomain = numberInput(o.perDomain, 'persistence-per-domain', 'Prompts per domain (0 = all)', 0, 100000);
  const maxTokens = numberInput(o.maxTokens, 'persistence-max-tokens', 'Tokens per prompt', 1, 8192);
  const keep = h('select', { 'data-testid': 'persistence-keep', 'aria-label': 'Tokens a longer prompt keeps' });
  keep.append(h('option', { value: 'first' }, 'first (as the paper)'), h('option', { value: 'last' }, 'last'));
  keep.value = o.keep;
  const share = h('input', {
    type: 'number',
    step: '0.05',
    min: '0.05',
    max: '0.95',
    'data-testid': 'persistence-max-pruned',
    'aria-label': 'Largest share of layers pruned',
    class: 'll-field ll-persistence-number',
  });
  share.value = String(o.maxPrunedShare);
  const boxes = BUILTIN_DOMAINS.map((d) => {
    const box = h('input', { type: 'checkbox', 'data-testid': `persistence-domain-${d}` });
    box.checked = o.domains.includes(d);
    return [d, box] as const;
  });
  const run = h('button', { type: 'button', class: 'll-button ll-persistence-button', 'data-testid': 'persistence-run' }, 'Run with these options');
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
      ...boxes.map(([d, b]) => h('label', {}, b, ` ${d}`)),
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
  const dimSelect = h('select', { 'data-testid': 'persistence-dim-select', 'aria-label': 'Homology dimension' });
  for (const p of r.homologyDims) dimSelect.append(h('option', { value: String(p) }, `H${p}`));
  dimSelect.value = String(dim);
  dimSelect.addEventListener('change', () => {
    dim = kept.dim = Number(dimSelect.value);
    draw(container, r, theme);
  });
  const slider = h('input', { type: 'range', min: '0.5', max: '1', step: '0.01', 'data-testid': 'persistence-ratio', 'aria-label': 'Pruning ratio p' });
  slider.value = String(ratio);
  slider.addEventListener('change', () => {
    ratio = kept.ratio = Number(slider.value);
    draw(container, r, theme);
  });
  const pruneButton = h(
    'button',
    { type: 'button', class: 'll-button ll-persistence-button', 'data-testid': 'persistence-prune', disabled: suggestion.layers.length === 0 },
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
  );
  // The suggestion at p outlined solid, the last evaluated prune dashed.
  renderPlot(heat, markedHeatmapPlot(r, dim, theme, suggestion.layers, evaluations.at(-1)?.prune.removedLayers ?? []), theme);
  renderPlot(betti, bettiPlot(r, theme), theme);
  renderPlot(avg, averagePlot(r, sdim, suggestion.threshold, suggestion.layers, theme), theme);
  renderPlot(base, baselinePlot(r, theme), theme);
  renderPlot(code, barcodePlot(r, dim, theme), theme);
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
