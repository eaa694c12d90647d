/** Checkpoint-diff report figures: relative change, cosine, DOCS and the delta's stable rank by layer, one line per matrix kind. */
import type { FigurePlan } from '../figures';

const METRICS: [string, string][] = [
  ['rel_change', 'relative change ‖B − A‖/‖A‖'],
  ['cosine', 'cosine of the flattened weights of A and B'],
  ['docs', 'DOCS(A, B) of the same matrix'],
  ['delta_stable_rank', 'stable rank of the update Δ = B − A'],
];

export function diffPlans(): FigurePlan[] {
  return METRICS.map(([metric, caption]) => ({ type: 'lines', metric, x: 'layer', series: ['kind'], where: { tensor: '' }, caption }));
}
