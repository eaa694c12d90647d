/**
 * The diff panel's "Change against depth" section: relative change per layer, one line per kind,
 * with a choice of how a mixture-of-experts layer's experts are folded (max or mean).
 */
import type { MatrixDiff } from '../../src/analysis/methods/diff/matrix';
import { h } from '../common/dom';
import { dropdown } from '../common/toolkit';
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
  const choice = dropdown({
    testid: 'diff-depth-agg',
    label: 'Experts folded by',
    options: [
      { value: 'max', label: 'largest change over experts' },
      { value: 'mean', label: 'mean change over experts' },
    ],
    value: agg,
  });
  const draw = (entries: readonly MatrixDiff[], theme: Theme) => {
    last = { entries, theme };
    const spec = relChangeDepthPlot(relChangeDepthLines(entries, agg), agg, theme);
    if (typeof spec === 'string') plot.textContent = spec;
    else renderPlot(plot, spec, theme, { caption: 'Relative change ‖B − A‖_F / ‖A‖_F (y) of each matrix kind (colour) by layer (x).' });
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
