// One-sample Kolmogorov–Smirnov test, matching scipy.stats.kstest(x, cdf): the two-sided statistic
// D = max(D⁺, D⁻) and its p-value from the exact finite-n distribution (scipy's method='auto',
// which is always 'exact' for the one-sample test: kstwo.sf(D, n)), or from Kolmogorov's limit
// law (method='asymp': kstwobign.sf(D·√n)).
import { kolmogorovN } from './kolmogorovN';

export type KsMethod = 'exact' | 'asymp';

export interface KsStatistic {
  /** max(dPlus, dMinus). */
  d: number;
  /** max over i of i/n − F(x₍ᵢ₎). */
  dPlus: number;
  /** max over i of F(x₍ᵢ₎) − (i−1)/n. */
  dMinus: number;
}

export interface KsResult {
  statistic: number;
  pValue: number;
  n: number;
}

/** The KS distances of n sorted CDF values F(x₍₁₎) ≤ … ≤ F(x₍ₙ₎) from the uniform law. */
export function ksFromSortedCdf(cdfValues: ArrayLike<number>): KsStatistic {
  const n = cdfValues.length;
  if (n === 0) throw new Error('KS statistic: the sample is empty');
  let dPlus = -Infinity;
  let dMinus = -Infinity;
  for (let i = 0; i < n; i++) {
    const f = cdfValues[i];
    dPlus = Math.max(dPlus, (i + 1) / n - f);
    dMinus = Math.max(dMinus, f - i / n);
  }
  return { d: Math.max(dPlus, dMinus), dPlus, dMinus };
}

/** Sorted float64 copy; NaN in the sample is a user-visible error, not a silent wrong answer. */
export function sortedCopy(sample: ArrayLike<number>, what = 'KS test'): Float64Array {
  const x = Float64Array.from(sample as ArrayLike<number>);
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) throw new Error(`${what}: the sample contains NaN at index ${i}`);
  return x.sort();
}

/** D of a sample against a continuous CDF. */
export function ksStatistic(sample: ArrayLike<number>, cdf: (x: number) => number): KsStatistic {
  const x = sortedCopy(sample);
  const f = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) f[i] = cdf(x[i]);
  return ksFromSortedCdf(f);
}

/** Two-sided p-value Pr(Dₙ ≥ d). */
export function ksPValue(d: number, n: number, method: KsMethod = 'exact'): number {
  if (method === 'asymp') return kolmogorovLimitSf(d * Math.sqrt(n));
  return kolmogorovN(n, d, false);
}

/** scipy.stats.kstest(sample, cdf) with method 'exact' (scipy's 'auto') or 'asymp'. */
export function kstest(sample: ArrayLike<number>, cdf: (x: number) => number, method: KsMethod = 'exact'): KsResult {
  const { d } = ksStatistic(sample, cdf);
  const n = sample.length;
  return { statistic: d, pValue: ksPValue(d, n, method), n };
}

/**
 * Survival function of Kolmogorov's limit distribution, Pr(K > x) with K = lim √n·Dₙ
 * (scipy.special.kolmogorov): the Jacobi-theta series for small x, the alternating series
 * 2Σ(−1)^(k−1) e^(−2k²x²) for large x.
 */
export function kolmogorovLimitSf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x <= Math.PI / Math.sqrt(8 * (708 + 38))) return 1;
  if (x <= 0.82) {
    const w = Math.sqrt(2 * Math.PI) / x;
    const logu8 = -(Math.PI * Math.PI) / (x * x);
    const u = Math.exp(logu8 / 8);
    if (u === 0) return 1 - Math.exp(logu8 / 8 + Math.log(w));
    const u8 = Math.exp(logu8);
    let p = 1;
    p = 1 + u8 ** 3 * p;
    p = 1 + u8 * u8 * p;
    p = 1 + u8 * p;
    return Math.min(1, Math.max(0, 1 - w * u * p));
  }
  const v = Math.exp(-2 * x * x);
  const v3 = v ** 3;
  let p = 1;
  p = 1 - v3 * v3 * v * p;
  p = 1 - v3 * v * v * p;
  p = 1 - v3 * p;
  return Math.min(1, Math.max(0, 2 * v * p));
}
