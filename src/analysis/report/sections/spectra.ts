/** Spectra report figures: α, log spectral norm, stable rank and randomness (mean KS p) by depth, one line per matrix kind. */
import type { FigurePlan } from '../figures';

const METRICS: [string, string][] = [
  ['alpha', 'power-law exponent α of the eigenvalue tail (reliable fits only)'],
  ['log_spectral_norm', 'log₁₀ of the largest eigenvalue of WᵀW'],
  ['stable_rank', 'stable rank Σσ²/σ₁²'],
  ['randomness', 'randomness vs depth: mean KS p of the singular vectors'],
];

export function spectraPlans(): FigurePlan[] {
  return METRICS.map(([metric, caption]) => ({ type: 'lines', metric, x: 'layer', series: ['kind'], where: { expert: '', head: '' }, caption }));
}
