/** Activation report figures: the activated fraction, mean |activation|, prune ratio and MLP sparsity by layer. */
import type { FigurePlan } from '../figures';

const METRICS = ['activated_fraction', 'mean_abs_activation', 'prune_ratio', 'mlp_sparsity'];

export function activationPlans(): FigurePlan[] {
  return METRICS.map((metric) => ({
    type: 'lines',
    metric,
    x: 'layer',
    series: [],
    where: { kind: '', domain: '', prompt: '' },
    caption: `${metric} by layer`,
  }));
}
