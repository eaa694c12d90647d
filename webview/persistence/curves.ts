/**
 * The persistence panel's "Pruning curves" section: perplexity (log scale) against the number of
 * layers removed, one line per method (zigzag persistence, angular block, Block Influence), each
 * with its own colour and marker shape, the zigzag suggestion ringed; accuracy and acc_norm in a
 * second plot when a multiple-choice file was scored. "Evaluate curves" asks the host
 * ('pruneCurves'), which keeps the answer and replays it to a re-created webview.
 */
import type { PersistenceJobResult } from '../../src/analysis/methods/persistence/job';
import type { PruneCurvesResult } from '../../src/analysis/methods/persistence/evaluation/job';
import type { AnalysisPanelHandle } from '../common/analysisShell';
import { h } from '../common/dom';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { button, numberField, numberValue } from '../common/toolkit';
import { accuracyCurvesPlot, perplexityCurvesPlot } from './curvePlots';

let curves: PruneCurvesResult | null = null;
let replayRegistered = false;

function summary(r: PruneCurvesResult): string {
  const scored = r.choicesSource ? `; accuracy on ${r.choicesSource}` : '';
  return `Perplexity on ${r.heldOutSource} (${r.points[0]?.perplexity.tokens ?? 0} tokens)${scored}; ${r.evaluations} distinct layer sets, ${r.seconds.toFixed(1)} s. Each point is the model run without the removed layers.`;
}

/** The section, drawn with the panel's current result; mount it once per draw of the panel. */
export function curvesSection(panel: AnalysisPanelHandle, r: PersistenceJobResult, theme: Theme): HTMLElement {
  if (!replayRegistered) {
    replayRegistered = true;
    panel.onReplayedReply('pruneCurves', (res) => {
      curves = res as PruneCurvesResult;
      panel.redraw();
    });
  }
  const defaultMax = Math.max(0, Math.min(r.decoderLayers - 1, Math.ceil(r.decoderLayers / 2)));
  const maxRemoved = numberField({
    value: curves?.maxRemoved ?? defaultMax,
    min: 1,
    max: Math.max(1, r.decoderLayers - 1),
    step: 1,
    testid: 'persistence-curves-max',
    label: 'Most layers removed',
    class: 'll-persistence-number',
  });
  const run = button(
    { testid: 'persistence-curves-run', appearance: 'secondary', class: 'll-persistence-button', disabled: r.decoderLayers < 2 },
    'Evaluate curves',
  );
  const status = h('span', { class: 'll-persistence-note', 'data-testid': 'persistence-curves-status' });
  run.addEventListener('click', () => {
    status.textContent = 'Choose a text (and optionally multiple-choice items) in the dialogs…';
    panel.request('pruneCurves', { maxRemoved: numberValue(maxRemoved) ?? defaultMax }).then(
      (res) => {
        if (res === null) {
          status.textContent = 'Cancelled.';
          return;
        }
        curves = res as PruneCurvesResult;
        panel.redraw();
      },
      (err: unknown) => {
        status.textContent = `Failed: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  });
  const section = h(
    'div',
    { 'data-testid': 'persistence-curves' },
    h('h2', {}, 'Pruning curves: zigzag, angular block and Block Influence'),
    h('div', { class: 'll-row ll-persistence-row' }, h('label', {}, 'remove up to ', maxRemoved, ' layers '), run, status),
  );
  if (curves) {
    const ppl = h('div', { class: 'll-persistence-plot', 'data-testid': 'persistence-curves-perplexity' });
    section.append(h('p', { class: 'll-persistence-note' }, summary(curves)), ppl);
    renderPlot(ppl, perplexityCurvesPlot(curves, theme), theme, {
      caption: 'Perplexity (y, log scale) against the number of layers removed (x), one line and marker shape per method; the zigzag suggestion ringed.',
      name: 'pruning-curves-perplexity',
    });
    if (curves.points.some((p) => p.choices)) {
      const acc = h('div', { class: 'll-persistence-plot', 'data-testid': 'persistence-curves-accuracy' });
      section.append(acc);
      renderPlot(acc, accuracyCurvesPlot(curves, theme), theme, {
        caption: 'Multiple-choice accuracy (y; solid acc, dashed acc_norm) against the number of layers removed (x), one colour and marker shape per method.',
        name: 'pruning-curves-accuracy',
      });
    }
  }
  return section;
}
