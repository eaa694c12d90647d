/**
 * "Semantic similarity" of the activation panel: per layer, Spearman's ρ between the activation-
 * pattern similarity of scored sentence pairs and their human scores (the host's 'sts' request
 * runs 'activation/sts' on the built-in sample or on a pairs file the user picks in an open
 * dialog). A line of ρ against depth with a zero line, layers with p < 0.05 marked (stsPlot.ts),
 * and a table of ρ, p and n per layer. The section sits below the panel's results and keeps its
 * own result; the host replays it to a re-created webview.
 */
import type { StsJobResult } from '../../src/analysis/methods/activation/sts/job';
import type { AnalysisPanelHandle } from '../common/analysisShell';
import { h, replaceChildren } from '../common/dom';
import { renderPlot } from '../common/plot';
import { button } from '../common/toolkit';
import { formatP, STS_ALPHA, stsPlot, stsPoints, type StsPoint } from './stsPlot';
import { mountRequestSection } from './requestSection';

/** Where the pairs come from: the host answers 'file' with an open dialog. */
export type StsRequest = { source: 'sample' } | { source: 'file' };

function stsTable(r: StsJobResult): HTMLTableElement {
  const rows = r.layers.map((c) =>
    h(
      'tr',
      { class: c.p < STS_ALPHA ? 'll-activation-sts-significant' : '' },
      h('td', {}, c.layer),
      h('td', {}, Number.isFinite(c.rho) ? c.rho.toFixed(3) : '–'),
      h('td', {}, `${formatP(c.p)}${c.p < STS_ALPHA ? ' *' : ''}`),
      h('td', {}, c.n),
    ),
  );
  return h(
    'table',
    { class: 'll-activation-table', 'data-testid': 'activation-sts-table' },
    h('thead', {}, h('tr', {}, ...['layer', 'Spearman ρ', 'p (t approx.)', 'n'].map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows),
  );
}

function summary(r: StsJobResult): string {
  const used = r.pairs.length < r.pairsInSource ? ` (first ${r.pairs.length} of ${r.pairsInSource})` : '';
  const sampled = r.trackedFraction < 1 ? ` · ${(100 * r.trackedFraction).toFixed(1)}% of each matrix sampled` : '';
  const best = stsPoints(r).reduce<StsPoint | null>((a, p) => (a === null || p.rho > a.rho ? p : a), null);
  const bestText = best ? ` · highest ρ = ${best.rho.toFixed(3)} at layer ${best.layer}` : ' · ρ is undefined (the similarities or the scores are all equal)';
  return `${r.pairs.length} scored pairs from ${r.source}${used}${bestText}${sampled} · ${r.seconds.toFixed(1)} s`;
}

/** Adds the section below the panel's results and wires it to the host's 'sts' request. */
export function mountStsSection(panel: AnalysisPanelHandle): void {
  const buttons = [
    button({ testid: 'activation-sts-sample', appearance: 'secondary' }, 'Run on the built-in sample'),
    button({ testid: 'activation-sts-file', appearance: 'secondary' }, 'Choose a pairs file…'),
  ];
  const section = mountRequestSection<StsJobResult>({
    panel,
    request: 'sts',
    testid: 'activation-sts',
    title: 'Semantic similarity',
    note: 'Does the activation-pattern similarity of two sentences follow how similar people judge them? Each sentence of a scored pair (STS-B, SICK or the built-in sample, scores 0–5) is run as one prompt; per layer, Spearman’s ρ between the pairs’ similarity and their scores, p-value from the t approximation with n − 2 degrees of freedom.',
    controls: buttons,
    busy: buttons,
    draw: (body, result, theme) => {
      const plot = h('div', { class: 'll-activation-plot', 'data-testid': 'activation-sts-plot' });
      replaceChildren(body, h('p', { class: 'll-activation-summary', 'data-testid': 'activation-sts-summary' }, summary(result)), plot, stsTable(result));
      const options = stsPlot(result, theme);
      if (options)
        renderPlot(plot, options, theme, {
          caption: `Spearman ρ (y) between each layer’s activation-pattern similarity of the sentence pairs and their human scores, by layer (x); filled, larger markers: p < ${STS_ALPHA}; dashed: ρ = 0.`,
          name: 'activation-semantic-similarity',
        });
      else plot.textContent = 'ρ is undefined in every layer: the similarities or the scores do not vary.';
    },
  });
  const run = (req: StsRequest) =>
    section.run(
      req,
      req.source === 'file'
        ? 'Choose a TSV or JSONL file of scored pairs; then progress and Cancel are in the notification.'
        : 'Running: progress and Cancel are in the notification.',
    );
  buttons[0].addEventListener('click', () => run({ source: 'sample' }));
  buttons[1].addEventListener('click', () => run({ source: 'file' }));
}
