/**
 * The training-timeline panel: for the chosen metric and matrix kind, a layer × step heatmap and
 * one line per layer over the steps (hover gives the values), then the checkpoints that could not
 * be measured and the notes. Checkpoints fill in as the run measures them (partial results); the
 * host adds checkpoints that land while the panel is open and runs again (only the new one is
 * computed).
 */
import type { CheckpointMetrics, TimelineResult } from '../../src/analysis/methods/timeline/names';
import type { TimelineOptions } from '../../src/analysis/methods/timeline/timeline';
import { LAYER_METRICS, METRIC_LABELS, TIMELINE_METRICS, type TimelineMetric } from '../../src/analysis/methods/timeline/names';
import { cellsOf } from './cells';
import { keptState } from '../common/viewState';
import { startAnalysisPanel } from '../common/analysisShell';
import { h, replaceChildren } from '../common/dom';
import { dropdown, type Dropdown } from '../common/toolkit';
import { renderPlot } from '../common/plot';
import { timelineHeatmapOptions, timelineLineOptions } from './plots';
import type { Theme } from '../common/theme';

const KINDS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
// Kept with the webview state: the metric and matrix kind survive a hidden tab and a reload.
const state = keptState<{ metric: TimelineMetric; kind: string }>({ metric: 'drift_first', kind: 'q' });
let shown: { checkpoints: CheckpointMetrics[]; metrics: readonly TimelineMetric[] } = { checkpoints: [], metrics: TIMELINE_METRICS };
let theme: Theme | undefined;
let container: HTMLElement | undefined;
let plots: HTMLElement | undefined;

function select(testid: string, label: string, choices: readonly { value: string; label: string }[], current: string, onChange: (v: string) => void): Dropdown {
  return dropdown({ testid, label, options: choices, value: current, onChange });
}

function draw(): void {
  if (!container || !theme) return;
  const metrics = shown.metrics.length ? shown.metrics : TIMELINE_METRICS;
  if (!metrics.includes(state.metric)) state.metric = metrics[0];
  const perLayer = LAYER_METRICS.includes(state.metric);
  const controls = h(
    'div',
    { class: 'll-timeline-controls' },
    h(
      'label',
      {},
      'Metric ',
      select(
        'timeline-metric',
        'Metric',
        metrics.map((m) => ({ value: m, label: `${m} — ${METRIC_LABELS[m]}` })),
        state.metric,
        (v) => ((state.metric = v as TimelineMetric), draw()),
      ),
    ),
    ' ',
    h(
      'label',
      {},
      'Matrix ',
      select(
        'timeline-kind',
        'Matrix kind',
        KINDS.map((k) => ({ value: k, label: k })),
        state.kind,
        (v) => ((state.kind = v), draw()),
      ),
    ),
  );
  (controls.querySelector('[data-testid="timeline-kind"]') as Dropdown).disabled = perLayer;
  const cells = cellsOf(shown.checkpoints, state.metric, state.kind);
  const heat = h('div', { class: 'll-timeline-plot', 'data-testid': 'timeline-heatmap' });
  const lines = h('div', { class: 'll-timeline-plot', 'data-testid': 'timeline-lines' });
  plots = h('div', { class: 'll-timeline-plots' }, heat, lines);
  const what = `${state.metric}${perLayer ? '' : ` of ${state.kind}`}`;
  if (cells.length === 0) heat.append(h('p', { class: 'll-muted' }, `No values of ${what} yet.`));
  else {
    renderPlot(heat, timelineHeatmapOptions(cells, what, theme), theme, {
      caption: `Heatmap of layers (rows) by training step (columns), coloured by ${what}.`,
    });
    // One rect per cell, in data order: tag each with its step, layer and value (tests read them).
    heat.querySelectorAll('g[aria-label="cell"] rect').forEach((rect, i) => {
      const c = cells[i];
      if (!c) return;
      rect.setAttribute('data-testid', 'timeline-cell');
      rect.setAttribute('data-step', String(c.step));
      rect.setAttribute('data-layer', String(c.layer));
      rect.setAttribute('data-value', String(c.value));
      rect.setAttribute('style', 'cursor: pointer');
      rect.addEventListener('click', (e) => void openStep(c.step, (e as MouseEvent).shiftKey));
    });
    renderPlot(lines, timelineLineOptions(cells, what, theme), theme, {
      caption: `${what} (y) by training step (x), one line per layer.`,
    });
  }
  heat.append(h('p', { class: 'll-muted' }, 'Click a step to open that checkpoint; Shift-click a second step to compare the two.'));
  const failed = shown.checkpoints.filter((c) => c.error);
  const notes = [...new Set(shown.checkpoints.flatMap((c) => c.notes))];
  const steps = shown.checkpoints.filter((c) => !c.error).map((c) => c.step);
  replaceChildren(
    container,
    controls,
    h(
      'p',
      { class: 'll-muted', 'data-testid': 'timeline-summary' },
      `${steps.length} checkpoint${steps.length === 1 ? '' : 's'} measured${steps.length ? ` (steps ${steps[0]}–${steps[steps.length - 1]})` : ''}`,
    ),
    plots,
    ...(failed.length
      ? [h('ul', { class: 'll-timeline-failed', 'data-testid': 'timeline-failed' }, ...failed.map((c) => h('li', {}, `${c.name}: ${c.error}`)))]
      : []),
    ...(notes.length
      ? [h('details', {}, h('summary', {}, `${notes.length} note${notes.length === 1 ? '' : 's'}`), h('ul', {}, ...notes.map((n) => h('li', {}, n))))]
      : []),
  );
}

/** The step clicked last, so that a Shift-click on another step compares the two. */
let lastStep: number | undefined;

async function openStep(step: number, compare: boolean): Promise<void> {
  try {
    if (compare && lastStep !== undefined && lastStep !== step)
      await panel.request('diffCheckpoints', { from: Math.min(lastStep, step), to: Math.max(lastStep, step) });
    else await panel.request('openCheckpoint', { step });
    lastStep = step;
  } catch (err) {
    panel.notify(err instanceof Error ? err.message : String(err), 'error');
  }
}

const panel = startAnalysisPanel<TimelineOptions, CheckpointMetrics, TimelineResult>({
  renderPartial: (el, partials, t) => {
    container = el;
    theme = t;
    shown = { checkpoints: partials, metrics: shown.metrics };
    draw();
  },
  renderResult: (el, result, t) => {
    container = el;
    theme = t;
    shown = { checkpoints: result.checkpoints, metrics: result.metrics };
    draw();
  },
  exportElement: () => plots,
});
