/**
 * The arithmetic of gradient-based parameter activation (methods.md §4), free of any model code so
 * that it can be tested against closed forms: accumulating mean |A| per parameter, activated
 * fractions, pattern similarity, pruning ratios and forward MLP sparsity.
 */
import { MATRIX_ROLES, type MatrixRole } from '../../model/types';

/** Default absolute threshold τ from the paper: 2e-6 for 32-layer models, 5e-6 otherwise. */
export function defaultTau(numLayers: number): number {
  return numLayers === 32 ? 2e-6 : 5e-6;
}

/**
 * Which parameters of one matrix are tracked. Small models track every parameter; large ones a
 * fixed, evenly spread subset (every `stride`-th, starting at `offset`) so that the per-parameter
 * accumulators fit the memory budget. Fractions and similarities from a subset are estimates.
 */
export interface ParamSubset {
  size: number;
  stride: number;
  offset: number;
}

/** A subset with about `stride` spacing; the stride is made coprime with the row length so every column is visited. */
export function subsetFor(size: number, stride: number, rowLength = 1): ParamSubset {
  let s = Math.max(1, Math.floor(stride));
  if (s > 1) while (gcd(s, rowLength) !== 1) s++;
  return { size, stride: s, offset: s > 1 ? Math.floor(s / 2) : 0 };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function subsetLength(p: ParamSubset): number {
  return p.offset >= p.size ? 0 : Math.floor((p.size - 1 - p.offset) / p.stride) + 1;
}

/** |θ·g| on the subset, as float32 (what is accumulated and compared). */
export function absActivation(theta: ArrayLike<number>, grad: ArrayLike<number>, p: ParamSubset): Float32Array {
  if (theta.length !== p.size || grad.length !== p.size) {
    throw new Error(`weights (${theta.length}) and gradient (${grad.length}) differ in size from the matrix (${p.size})`);
  }
  const out = new Float32Array(subsetLength(p));
  for (let i = 0, j = p.offset; i < out.length; i++, j += p.stride) out[i] = Math.abs(theta[j] * grad[j]);
  return out;
}

/** Fraction of entries of a mean-|A| accumulator (sum / count) above τ. */
export function activatedCount(sumAbs: Float32Array, count: number, tau: number): number {
  const limit = tau * count; // compare sums, not means: avoids a division per parameter
  let n = 0;
  for (let i = 0; i < sumAbs.length; i++) if (sumAbs[i] > limit) n++;
  return n;
}

/**
 * Activation-pattern similarity of two prompts over one layer, sim = Σ|a·b| / (‖a‖‖b‖). The inputs
 * are per-matrix |A| vectors of the layer (same subsets for both prompts); 0 if either is all zero.
 */
export function patternSimilarity(a: Float32Array[], b: Float32Array[]): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let m = 0; m < a.length; m++) {
    const x = a[m],
      y = b[m];
    if (x.length !== y.length) throw new Error('activation patterns of different sizes cannot be compared');
    for (let i = 0; i < x.length; i++) {
      dot += Math.abs(x[i] * y[i]);
      na += x[i] * x[i];
      nb += y[i] * y[i];
    }
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** OWL's default λ: layer ratios spread over at most ±2λ around the target (Yin et al. 2023, `--Lamda 0.08`). */
export const DEFAULT_OWL_LAMBDA = 0.08;

/**
 * Per-layer pruning ratios from activated fractions (density), by OWL's layer-wise allocation (Yin et
 * al. 2023, "Outlier Weighed Layerwise Sparsity"; luuyin/OWL lib/prune_all.py, prune_wanda_outlier:
 * the layer scores are min–max normalised and scaled to [0, 2λ], shifted to mean 1 − target, and
 * used as each layer's kept fraction), with the activated fraction in place of OWL's outlier ratio:
 *
 *   n_ℓ = (d_ℓ − min d) / (max d − min d),   kept_ℓ = 1 − target + 2λ·(n_ℓ − mean n),   r_ℓ = 1 − kept_ℓ
 *
 * so denser layers are pruned less, ratios span target ± 2λ at most, and their mean is the target.
 * Equal densities (max = min, where OWL would divide by zero) give the target everywhere. Where
 * target ± 2λ leaves [0, 1] the ratios are clipped to [0, 1] and the shift is re-found by
 * bisection so that the mean stays exactly at the target (OWL itself never clips).
 */
export function pruningRatios(density: number[], target: number, lambda = DEFAULT_OWL_LAMBDA): number[] {
  if (!(target >= 0 && target <= 1)) throw new Error(`target pruning ratio ${target} must lie in [0, 1]`);
  if (!(lambda >= 0 && lambda <= 0.5)) throw new Error(`λ ${lambda} must lie in [0, 0.5]`);
  const L = density.length;
  if (L === 0) return [];
  const bad = density.findIndex((d) => !Number.isFinite(d));
  if (bad >= 0) throw new Error(`layer ${bad} has no finite density (${density[bad]}), so no pruning ratio can be allocated`);
  const lo = Math.min(...density),
    hi = Math.max(...density);
  if (hi === lo) return density.map(() => target);
  // OWL's arithmetic, in its order: scaled = (d − min)·(1/(max − min)·λ·2), kept = scaled − mean(scaled) + (1 − target).
  const inv = 1 / (hi - lo); // infinite when the spread is subnormal: then divide instead
  const scaled = density.map((d) => (Number.isFinite(inv) ? (d - lo) * (inv * lambda * 2) : ((d - lo) / (hi - lo)) * lambda * 2));
  const meanScaled = scaled.reduce((a, b) => a + b, 0) / L;
  const owl = scaled.map((x) => 1 - (x - meanScaled + (1 - target)));
  if (owl.every((r) => r >= 0 && r <= 1)) return owl;
  const base = owl.map((r) => r - target);
  const ratios = (c: number) => base.map((b) => Math.min(1, Math.max(0, target + c + b)));
  const mean = (c: number) => ratios(c).reduce((a, b) => a + b, 0) / L;
  // mean(c) is continuous and non-decreasing, from 0 (c ≤ −2) to 1 (c ≥ 2).
  let a = -2,
    b = 2;
  for (let i = 0; i < 200 && b - a > 1e-15; i++) {
    const mid = (a + b) / 2;
    if (mean(mid) < target) a = mid;
    else b = mid;
  }
  return ratios((a + b) / 2);
}

/** Fraction of entries with |a| < ε (forward-only MLP activation sparsity). */
export function sparsity(values: ArrayLike<number>, epsilon: number): number {
  if (values.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) < epsilon) n++;
  return n / values.length;
}

/** Summary of values for a box plot: min, quartiles (linear interpolation), max. */
export function boxStats(values: number[]): { min: number; q1: number; median: number; q3: number; max: number; n: number } | null {
  if (values.length === 0) return null;
  const s = [...values].sort((x, y) => x - y);
  const q = (p: number) => {
    const pos = p * (s.length - 1);
    const lo = Math.floor(pos),
      hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  return { min: s[0], q1: q(0.25), median: q(0.5), q3: q(0.75), max: s[s.length - 1], n: s.length };
}

export const ACTIVATION_ROLES: readonly MatrixRole[] = MATRIX_ROLES;
