/**
 * "Pruning experiment" of the activation panel: the host's 'pruneExperiment' request runs
 * 'activation/pruneExperiment' on the panel's prompts — Wanda pruning of q, k, v, o, gate, up and
 * down at uniform and at activation-density-derived (OWL) layer ratios, held-out perplexity of
 * both and of the unpruned model, and optionally one pruning per calibration domain evaluated on
 * every domain's held-out prompts. Plots: pruneExperimentPlot.ts. The host replays the result to a
 * re-created webview.
 */
import type { PruneExperimentJobResult } from '../../src/analysis/methods/activation/experiments/job';
import type { AnalysisPanelHandle } from '../common/analysisShell';
import { h, replaceChildren } from '../common/dom';
import { renderPlot } from '../common/plot';
import { button, checkbox, numberField, numberValue } from '../common/toolkit';
import { armPlot, domainPlot } from './pruneExperimentPlot';
import { mountRequestSection } from './requestSection';

/** What the section asks the host for; the prompts are the panel's. */
export interface PruneExperimentRequest {
  targetPruneRatio: number;
  lambda: number;
  domains: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function ratioTable(r: PruneExperimentJobResult): HTMLTableElement {
  return h(
    'table',
    { class: 'll-activation-table', 'data-testid': 'activation-prune-experiment-table' },
    h('thead', {}, h('tr', {}, ...['layer', 'density', 'uniform ratio', 'derived ratio', 'derived sparsity'].map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...r.density.map((d, l) =>
        h(
          'tr',
          {},
          h('td', {}, l),
          h('td', {}, pct(d)),
          h('td', {}, pct(r.uniform.ratios[l])),
          h('td', {}, pct(r.derived.ratios[l])),
          h('td', {}, pct(r.derived.layerSparsity[l])),
        ),
      ),
    ),
  );
}

function summary(r: PruneExperimentJobResult): string {
  const held = r.heldOutSource === 'text file' ? 'the held-out text' : 'the held-out prompts';
  return (
    `Wanda at ${pct(r.targetPruneRatio)} mean sparsity (λ = ${r.lambda}), ${r.calibrationPrompts} calibration prompts; perplexity on ${held} ` +
    `(${r.heldOutTokens} tokens): unpruned ${r.unpruned.toFixed(3)}, uniform ${r.uniform.perplexity.toFixed(3)}, density-derived ${r.derived.perplexity.toFixed(3)} · ${r.seconds.toFixed(1)} s`
  );
}

/** Adds the section below the panel's results and wires it to the host's 'pruneExperiment' request. */
export function mountPruneExperimentSection(panel: AnalysisPanelHandle): void {
  const target = numberField({ label: 'Mean pruning ratio', testid: 'activation-prune-experiment-target', value: 0.5, min: 0, max: 1, step: 'any', size: 5 });
  const lambda = numberField({ label: 'OWL λ', testid: 'activation-prune-experiment-lambda', value: 0.08, min: 0, max: 0.5, step: 'any', size: 5 });
  const domains = checkbox({ label: 'per calibration domain', testid: 'activation-prune-experiment-domains-toggle', checked: false });
  const run = button({ testid: 'activation-prune-experiment-run', appearance: 'secondary' }, 'Run pruning experiment');
  const section = mountRequestSection<PruneExperimentJobResult>({
    panel,
    request: 'pruneExperiment',
    testid: 'activation-prune-experiment',
    title: 'Pruning experiment',
    note: 'Do the density-derived ratios prune better than one ratio everywhere? The seven matrices of every layer are pruned with Wanda (|W|·‖X‖ over the prompts, per output row) at uniform ratios and at ratios allocated from the activated fractions by OWL’s rule (spread target ± 2λ, same mean), in memory; each domain’s last two prompts are held out for the perplexity. Per calibration domain: one pruning per domain, evaluated on every domain.',
    controls: [target, lambda, domains, run],
    busy: [run],
    draw: (body, result, theme) => {
      const arms = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-prune-experiment-plot' });
      const byDomain = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-prune-experiment-domains' });
      replaceChildren(
        body,
        h('p', { class: 'll-activation-summary', 'data-testid': 'activation-prune-experiment-summary' }, summary(result)),
        arms,
        byDomain,
        ratioTable(result),
      );
      renderPlot(arms, armPlot(result, theme), theme, {
        caption:
          'Held-out perplexity (y, log scale) of the unpruned model and of Wanda pruning at uniform and at density-derived layer ratios (x), at the same mean ratio.',
        name: 'activation-prune-experiment',
      });
      const dp = domainPlot(result, theme);
      if (dp)
        renderPlot(byDomain, dp, theme, {
          caption:
            'Perplexity on each domain’s held-out prompts (columns) after pruning calibrated on one domain’s prompts (rows); colour: perplexity ÷ the unpruned model’s on that domain.',
          name: 'activation-prune-domains',
        });
    },
  });
  run.addEventListener('click', () => {
    const req: PruneExperimentRequest = { targetPruneRatio: numberValue(target) ?? 0.5, lambda: numberValue(lambda) ?? 0.08, domains: domains.checked };
    section.run(req, 'Running: progress and Cancel are in the notification.');
  });
}
