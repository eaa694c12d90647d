/**
 * The right-skewed (maximum) Gumbel distribution and its maximum-likelihood fit, as DOCS uses it:
 * the row and column maxima of a cosine matrix are maxima of many values, so their distribution is
 * close to Gumbel, and its location u summarises "how large is the best match of a typical column".
 *
 * The fit is the one `scipy.stats.gumbel_r.fit` computes. The likelihood equations reduce to one
 * equation in the scale β:
 *   g(β) = mean(x) − Σ x·e^(−x/β) / Σ e^(−x/β) − β = 0,
 * then u = −β·ln(mean(e^(−x/β))). Exponentials are evaluated relative to the largest exponent,
 * −min(x)/β, so every weight lies in (0, 1] and nothing overflows however small β gets.
 * g is strictly decreasing (dg/dβ = −Var_w(x)/β² − 1 with the weighted variance Var_w ≥ 0), so the
 * root is unique; it is found by Newton steps kept inside a sign-change bracket, with bisection as
 * the fallback whenever a Newton step would leave it.
 */

export interface GumbelFit {
  /** Location u (the mode). */
  loc: number;
  /** Scale β > 0; 0 when every sample value is equal (a point mass). */
  scale: number;
  /** Sample size. */
  n: number;
}

/** Relative tolerance on β, like scipy's root_scalar(rtol=1e-14) call. */
const REL_TOL = 1e-14;
const MAX_ITERATIONS = 200;

interface Weighted {
  /** Σ x·w / Σ w with w = e^(−(x − min)/β), on the min-shifted data. */
  mean: number;
  /** Σ (x − mean_w)²·w / Σ w. */
  variance: number;
  /** Σ w / n (the mean of the shifted weights, for the location). */
  meanWeight: number;
}

function weightedMoments(shifted: Float64Array, beta: number): Weighted {
  let sw = 0,
    swx = 0;
  for (let i = 0; i < shifted.length; i++) {
    const w = Math.exp(-shifted[i] / beta);
    sw += w;
    swx += w * shifted[i];
  }
  const mean = swx / sw;
  let swd = 0;
  for (let i = 0; i < shifted.length; i++) {
    const d = shifted[i] - mean;
    swd += Math.exp(-shifted[i] / beta) * d * d;
  }
  // sw ≥ 1: the minimum contributes weight e⁰ = 1.
  return { mean, variance: swd / sw, meanWeight: sw / shifted.length };
}

/**
 * Maximum-likelihood Gumbel (right) parameters of a sample. Non-finite values are rejected with a
 * clear error, not silently skipped: they mean the caller's data are broken.
 */
export function fitGumbel(sample: ArrayLike<number>): GumbelFit {
  const n = sample.length;
  if (n === 0) throw new Error('Gumbel fit: the sample is empty');
  let min = Infinity,
    max = -Infinity,
    sum = 0;
  for (let i = 0; i < n; i++) {
    const v = sample[i];
    if (!Number.isFinite(v)) throw new Error(`Gumbel fit: sample value ${i} is ${v}; every value must be finite`);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  if (min === max) return { loc: min, scale: 0, n };
  // Work on x − min: g is unchanged by a shift (both means move with it), and small numbers keep digits.
  const shifted = new Float64Array(n);
  for (let i = 0; i < n; i++) shifted[i] = sample[i] - min;
  const mean = sum / n - min;
  const beta = solveScale(shifted, mean, max - min);
  const { meanWeight } = weightedMoments(shifted, beta);
  return { loc: min - beta * Math.log(meanWeight), scale: beta, n };
}

/**
 * The root of g(β) = mean − mean_w(β) − β on the shifted data. Bracket: g(β) < 0 at β = mean (since
 * mean_w > 0 = min for finite β), and g(β) → mean > 0 as β → 0, so halving from there finds a
 * positive value. The start is the method-of-moments scale √6·sd/π.
 */
function solveScale(shifted: Float64Array, mean: number, range: number): number {
  const g = (beta: number) => {
    const w = weightedMoments(shifted, beta);
    return { value: mean - w.mean - beta, slope: -w.variance / (beta * beta) - 1 };
  };
  let hi = mean;
  let lo = mean / 2;
  let gLo = g(lo).value;
  // Each halving multiplies the weights of the non-minimal points by at most e^(−gap/β); the loop
  // ends long before lo underflows, because mean_w → 0 once β is far below the smallest gap.
  while (gLo <= 0) {
    hi = lo;
    lo /= 2;
    if (lo < range * 1e-300) throw new Error('Gumbel fit: could not bracket the scale (degenerate sample)');
    gLo = g(lo).value;
  }
  let variance = 0;
  for (let i = 0; i < shifted.length; i++) variance += (shifted[i] - mean) ** 2;
  variance /= shifted.length;
  let beta = Math.min(hi, Math.max(lo, Math.sqrt(6 * variance) / Math.PI));
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const { value, slope } = g(beta);
    if (value === 0) return beta;
    if (value > 0) lo = beta;
    else hi = beta;
    let next = beta - value / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - beta) <= REL_TOL * beta || hi - lo <= REL_TOL * hi) return next;
    beta = next;
  }
  return beta;
}

/** Gumbel (right) density at x: (1/β)·exp(−(z + e^(−z))), z = (x − u)/β. */
export function gumbelDensity(x: number, fit: Pick<GumbelFit, 'loc' | 'scale'>): number {
  if (!(fit.scale > 0)) return x === fit.loc ? Infinity : 0;
  const z = (x - fit.loc) / fit.scale;
  return Math.exp(-(z + Math.exp(-z))) / fit.scale;
}

/** Gumbel (right) cumulative distribution at x: exp(−e^(−(x − u)/β)). */
export function gumbelCdf(x: number, fit: Pick<GumbelFit, 'loc' | 'scale'>): number {
  if (!(fit.scale > 0)) return x >= fit.loc ? 1 : 0;
  return Math.exp(-Math.exp(-(x - fit.loc) / fit.scale));
}

/**
 * The fitted density sampled on `points` evenly spaced x from `from` to `to`, for drawing over a
 * histogram (the click-detail view of the similarity panel).
 */
export function gumbelCurve(fit: Pick<GumbelFit, 'loc' | 'scale'>, from: number, to: number, points = 200): { x: number[]; y: number[] } {
  if (!(points >= 2)) throw new Error(`gumbelCurve: needs at least 2 points, got ${points}`);
  const x: number[] = [],
    y: number[] = [];
  for (let i = 0; i < points; i++) {
    const xi = from + ((to - from) * i) / (points - 1);
    x.push(xi);
    y.push(gumbelDensity(xi, fit));
  }
  return { x, y };
}
