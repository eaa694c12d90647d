/** Training-timeline report figures: every metric against the step, one line per matrix kind. */
import type { TidyRow } from '../../methods/common/csv';
import type { FigurePlan } from '../figures';

export function timelinePlans(rows: readonly TidyRow[]): FigurePlan[] {
  const metrics = [...new Set(rows.map((r) => r.metric))];
  return metrics.map((metric) => ({ type: 'lines', metric, x: 'step', series: ['kind', 'expert'], caption: `${metric} by training step` }));
}
