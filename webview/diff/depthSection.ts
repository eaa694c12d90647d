/**
 * The diff panel's "Change against depth" section: relative change per layer, one line per kind,
 * with a choice of how a mixture-of-experts layer's experts are folded (max or mean).
 */
import type { MatrixDiff } from '../../src/analysis/methods/diff/matrix';
import { h } from '../common/dom';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { relChangeDepthPlot } from './depthPlots';
import { relChangeDepthLines, type ExpertAggregate } from './depthViews';

export interface DiffDepthSection {
  root: HTMLElement;
  draw(entries: readonly MatrixDiff[], theme: Theme): void;
}

export function createDiffDepthSection(): DiffDepthSection {
  let agg: ExpertAggregate = 'max';
  let last: { entries: readonly MatrixDiff[]; theme: Theme } | undefined;
  const plot = h('div', { class: 'll-diff-plot', 'data-testid': 'diff-depth' });
  const choice = h('select', { 'data-testid': 'diff-depth-agg', 'aria-label': 'Experts folded by' });
  for (const [v, label] of [
    ['max', 'largest change over experts'],
    ['mean', 'mean change over experts'],
  ] as const)
    choice.append(h('option', { value: v }, label));
  const draw = (entries: readonly MatrixDiff[], theme: Theme) => {
    last = { entries, theme };
    const spec = relChangeDepthPlot(relChangeDepthLines(entries, agg), agg, theme);
    if (typeof spec === 'string') plot.textContent = spec;
    else renderPlot(plot, spec, theme);
  };
  choice.addEventListener('change', () => {
    agg = choice.value === 'mean' ? 'mean' : 'max';
    if (last) draw(last.entries, last.theme);
  });
  const root = h(
    'section',
    { class: 'll-diff-depthview' },
    h('h2', {}, 'Relative change against depth'),
    h('div', { class: 'll-diff-row' }, h('label', {}, 'Experts: ', choice)),
    plot,
  );
  return { root, draw };
}
