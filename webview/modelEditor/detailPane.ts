/**
 * The part of the statistics pane below the histogram: quantiles of w and |w| (saying whether they
 * are exact or from the bf16-bin histogram, with its error), the 20 largest |w| with their
 * coordinates, the count of |w| > 6σ, and the |W| image of a matrix or stacked expert tensor.
 */
import { formatCount, formatPercent, formatValue, h } from '../common/dom';
import type { Theme } from '../common/theme';
import type { TensorDetail } from '../../src/analysis/model/tensorDetail';
import type { QuantileTable } from '../../src/analysis/stats/quantiles';
import { WeightImagePane } from './weightImagePane';

/** `0.1 %`, `50 %`, `99.9 %`. */
function probLabel(p: number): string {
  return `${Number((p * 100).toPrecision(3))} %`;
}

/** What the table's numbers are: exact, or read from the bf16-bin histogram with its bounds. */
export function quantileNote(q: QuantileTable): string {
  if (q.method === 'exact') return `Exact over ${formatCount(q.count)} finite values (numpy's linear rule).`;
  return (
    `From a histogram of the values' bfloat16 bins (${formatCount(q.count)} finite values): each quantile is within one bfloat16 step ` +
    `(≤ 0.78 % relative) of the exact one, and its rank within ${formatPercent(q.rankError)} of the values.`
  );
}

function quantileTable(q: QuantileTable): HTMLElement {
  return h(
    'table',
    { class: 'll-table me-quantiles', 'data-testid': 'quantile-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'quantile'), h('th', { class: 'll-num' }, 'w'), h('th', { class: 'll-num' }, '|w|'))),
    h(
      'tbody',
      {},
      ...q.probs.map((p, i) =>
        h(
          'tr',
          {},
          h('th', {}, p === 0 ? '0 (min)' : p === 1 ? '100 % (max)' : probLabel(p)),
          h('td', { class: 'll-num ll-mono' }, formatValue(q.values[i])),
          h('td', { class: 'll-num ll-mono' }, formatValue(q.abs[i])),
        ),
      ),
    ),
  );
}

function outlierTable(d: TensorDetail, shape: readonly number[]): HTMLElement {
  const axes = shape.length === 3 ? ['expert', 'row', 'column'] : shape.length === 2 ? ['row', 'column'] : shape.map((_, i) => `dim ${i}`);
  return h(
    'table',
    { class: 'll-table me-outliers', 'data-testid': 'top-outliers' },
    h('thead', {}, h('tr', {}, h('th', { class: 'll-num' }, '#'), ...axes.map((a) => h('th', { class: 'll-num' }, a)), h('th', { class: 'll-num' }, 'value'))),
    h(
      'tbody',
      {},
      ...d.top.map((o, i) =>
        h(
          'tr',
          {},
          h('td', { class: 'll-num' }, String(i + 1)),
          ...o.at.map((c) => h('td', { class: 'll-num ll-mono' }, String(c))),
          h('td', { class: 'll-num ll-mono' }, formatValue(o.value)),
        ),
      ),
    ),
  );
}

export class DetailPane {
  readonly element: HTMLElement;
  private readonly image: WeightImagePane | undefined;

  constructor(detail: TensorDetail, tensor: { name: string; shape: readonly number[] }, theme: Theme) {
    const expert = /expert/i.test(tensor.name);
    this.image = detail.image ? new WeightImagePane(detail.image, theme, (s) => `${expert ? 'expert' : 'slice'} ${s}`) : undefined;
    this.element = h(
      'div',
      { class: 'me-detail' },
      h(
        'div',
        { class: 'me-detail-tables' },
        h('section', {}, h('h3', {}, 'Quantiles'), quantileTable(detail.quantiles), h('p', { class: 'll-muted' }, quantileNote(detail.quantiles))),
        h(
          'section',
          {},
          h('h3', {}, `Largest |w|`),
          outlierTable(detail, tensor.shape),
          h(
            'p',
            { class: 'll-muted' },
            `${formatCount(detail.outlierCount)} entries with |w| > 6σ = ${formatValue(detail.outlierThreshold)}` +
              (detail.image ? ' (per column cell under the image).' : '.'),
          ),
        ),
      ),
      this.image?.element ?? null,
    );
    // The two tables side by side where the pane is wide enough (CSSOM writes are allowed by the CSP).
    const tables = this.element.firstElementChild as HTMLElement;
    Object.assign(tables.style, { display: 'flex', flexWrap: 'wrap', gap: '0 2em', alignItems: 'flex-start' });
  }

  setTheme(theme: Theme): void {
    this.image?.setTheme(theme);
  }
}
