/**
 * The parameter-activation panel: activated fraction per layer stacked by matrix kind, pattern
 * similarity by depth for same- vs cross-domain prompt pairs, forward MLP sparsity, and a table of
 * suggested per-layer pruning ratios. The running result arrives after every prompt and is drawn
 * as it grows; the options row re-runs with another threshold, target ratio, ε or prompt domains.
 */
import type { ActivationResult } from '../../src/analysis/methods/activation/activation';
import type { ActivationJobResult } from '../../src/analysis/methods/activation/job';
import type { ActivationPanelOptions } from '../../src/analysis/methods/activation/options';
import { BUILTIN_DOMAINS } from '../../src/analysis/prompts/index';
import { startAnalysisPanel } from '../common/analysisShell';
import { cachedNote, formatPercent, formatValue, h, replaceChildren } from '../common/dom';
import { button, checkbox, dropdown, numberField, type TextField } from '../common/toolkit';
import { renderPlot } from '../common/plot';
import { prunePlot } from './pruneView';
import type { Theme } from '../common/theme';
import { fractionPlot, similarityPlot, sparsityPlot } from './plots';
import { expertPlot } from './expertView';
import { domainDensitySection } from './domainDensity';
import { mountStsSection } from './sts';
import { mountPruneExperimentSection } from './pruneExperiment';

function numberInput(value: number | undefined, testid: string, label: string, step: number | 'any' = 'any'): TextField {
  return numberField({ value, step, testid, label, class: 'll-activation-number' });
}

function renderOptions(container: HTMLElement, o: ActivationPanelOptions, rerun: (o: ActivationPanelOptions) => void): void {
  const kind = dropdown({
    testid: 'activation-threshold-kind',
    label: 'Threshold kind',
    options: [
      { value: 'absolute', label: 'absolute τ' },
      { value: 'relative', label: 'relative (× mean |A|)' },
    ],
    value: o.threshold.kind,
  });
  const value = numberInput(o.threshold.kind === 'absolute' ? o.threshold.tau : o.threshold.factor, 'activation-threshold', 'Threshold value');
  value.placeholder = 'default';
  const target = numberInput(o.targetPruneRatio, 'activation-target', 'Target pruning ratio', 0.05);
  const eps = numberInput(o.epsilon, 'activation-epsilon', 'ε for MLP sparsity');
  const perDomain = numberInput(o.perDomain, 'activation-per-domain', 'Prompts per domain', 1);
  const boxes = BUILTIN_DOMAINS.map((d) => {
    const box = checkbox({ testid: `activation-domain-${d}`, label: d, checked: o.domains.includes(d) });
    return [d, box] as const;
  });
  const extra = [o.useSelection ? 'the editor selection' : '', o.useFile ? 'the chosen prompt file' : ''].filter(Boolean).join(' and ');
  const run = button({ testid: 'activation-run', appearance: 'secondary', class: 'll-activation-button' }, 'Run with these options');
  run.addEventListener('click', () => {
    const v = value.value.trim() === '' ? undefined : Number(value.value);
    rerun({
      ...o,
      threshold: kind.value === 'relative' ? { kind: 'relative', factor: v ?? 1 } : { kind: 'absolute', tau: v },
      targetPruneRatio: Number(target.value),
      epsilon: Number(eps.value),
      perDomain: Number(perDomain.value),
      domains: boxes.filter(([, b]) => b.checked).map(([d]) => d),
    });
  });
  replaceChildren(
    container,
    h(
      'div',
      { class: 'll-row ll-activation-row' },
      h('label', {}, 'Threshold ', kind, ' ', value),
      h('label', {}, 'Target pruning ratio ', target),
      h('label', {}, 'ε ', eps),
    ),
    h(
      'div',
      { class: 'll-row ll-activation-row' },
      'Built-in prompts: ',
      ...boxes.map(([, b]) => b),
      h('label', {}, ' per domain ', perDomain),
      extra ? h('span', { class: 'll-activation-note' }, `plus ${extra}`) : null,
      run,
    ),
  );
}

function pruneTable(r: ActivationResult): HTMLTableElement {
  const head = h('tr', {}, ...['layer', 'activated', ...r.roles, 'mean |A|', 'prune ratio', `MLP |a| < ${r.epsilon}`].map((c) => h('th', {}, c)));
  const rows = r.layerFraction.map((f, l) =>
    h(
      'tr',
      {},
      h('td', {}, l),
      h('td', {}, formatPercent(f)),
      ...r.roleFraction[l].map((x) => h('td', {}, formatPercent(x))),
      h('td', {}, formatValue(r.meanAbsActivation[l])),
      h('td', { class: 'll-activation-prune' }, formatPercent(r.pruneRatios[l])),
      h('td', {}, formatPercent(r.forwardSparsity[l])),
    ),
  );
  return h('table', { class: 'll-activation-table', 'data-testid': 'activation-prune-table' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function promptTable(r: ActivationResult): HTMLTableElement {
  const rows = r.prompts.map((p) =>
    h(
      'tr',
      {},
      h('td', {}, p.domain),
      h('td', { class: 'll-activation-label' }, p.label),
      h('td', {}, p.tokens),
      h('td', {}, p.target),
      h('td', {}, formatValue(p.maxLogit)),
    ),
  );
  return h(
    'table',
    { class: 'll-activation-table' },
    h('thead', {}, h('tr', {}, ...['domain', 'prompt', 'tokens', 'argmax token', 'max logit'].map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows),
  );
}

function draw(container: HTMLElement, r: ActivationResult, theme: Theme, done: boolean): void {
  const fraction = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-fraction' });
  const similarity = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-similarity' });
  const sparsity = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-sparsity' });
  const prune = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-prune-plot' });
  const experts = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-experts' });
  const sampled = r.trackedFraction < 1 ? ` · ${formatPercent(r.trackedFraction)} of each matrix sampled` : '';
  // τ's defaults were set for 7B-scale models; on small ones nearly every parameter clears them.
  const saturated =
    r.threshold.kind === 'absolute' && r.layerFraction.length > 0 && r.layerFraction.every((f) => f > 0.95)
      ? h(
          'p',
          { class: 'll-activation-note', 'data-testid': 'activation-saturated' },
          'Nearly every parameter exceeds τ in every layer: raise τ or choose a relative threshold to see which layers are dense.',
        )
      : null;
  replaceChildren(
    container,
    h(
      'p',
      { class: 'll-activation-summary', 'data-testid': 'activation-summary' },
      `${r.promptsDone} prompt${r.promptsDone === 1 ? '' : 's'} · τ = ${formatValue(r.tau)} (${r.threshold.kind}) · target pruning ratio ${r.targetPruneRatio}${sampled}${cachedNote(r as Partial<ActivationJobResult>)}`,
    ),
    saturated,
    h('h2', {}, 'Activated parameters per layer'),
    fraction,
    domainDensitySection(r, theme),
    ...(r.experts ? [h('h2', {}, 'Experts: activated fraction and routing'), experts] : []),
    h('h2', {}, 'Activation-pattern similarity by depth'),
    similarity,
    h('h2', {}, 'Suggested pruning ratios'),
    pruneTable(r),
    prune,
    h('h2', {}, 'Forward MLP activation sparsity'),
    sparsity,
    h('h2', {}, 'Prompts'),
    promptTable(r),
  );
  renderPlot(fraction, fractionPlot(r, theme), theme, {
    caption: 'Stacked bars: the activated fraction of each layer’s parameters (y) by layer (x), split by matrix kind (colour).',
  });
  const ep = expertPlot(r, theme);
  if (ep)
    renderPlot(experts, ep, theme, {
      caption: 'Heatmap of routed experts (columns) by layer (rows), coloured by the fraction of each expert’s parameters that activate.',
    });
  const sim = done ? similarityPlot(r, theme) : null;
  if (sim)
    renderPlot(similarity, sim, theme, {
      caption: 'Box plots per layer of activation-pattern similarity between prompt pairs from the same domain and from different domains.',
    });
  else similarity.textContent = done ? 'Similarity needs at least two prompts.' : 'Drawn when every prompt has run.';
  renderPlot(sparsity, sparsityPlot(r, theme), theme, {
    caption: 'Share of MLP activations smaller than ε in magnitude (y) in each layer (x), over the forward passes.',
  });
  const pp = prunePlot(r, theme);
  if (typeof pp === 'string') prune.textContent = pp;
  else renderPlot(prune, pp, theme, { caption: 'Suggested pruning ratio (y) against each layer’s activated fraction (x), with the target ratio dashed.' });
}

const panel = startAnalysisPanel<ActivationPanelOptions, ActivationResult, ActivationJobResult>({
  renderOptions,
  renderPartial(container, partials, theme) {
    const last = partials[partials.length - 1];
    if (last) draw(container, last, theme, false);
  },
  renderResult(container, result, theme) {
    draw(container, result, theme, true);
  },
  exportElement: () => document.querySelector('[data-testid="activation-fraction"]'),
});
mountStsSection(panel);
mountPruneExperimentSection(panel);
