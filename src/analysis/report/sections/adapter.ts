/** LoRA-adapter report figures: the update's relative size, stable rank and spectral norm by layer, one line per module kind. */
import type { FigurePlan } from '../figures';

const METRICS = ['relative_fro', 'stable_rank', 'spectral_norm', 'cosine', 'docs'];

export function adapterPlans(): FigurePlan[] {
  return METRICS.map((metric) => ({ type: 'lines', metric, x: 'layer', series: ['kind'], caption: `${metric} of ΔW by layer` }));
}
