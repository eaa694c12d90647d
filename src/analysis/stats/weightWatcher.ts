// The WeightWatcher metrics of one matrix that Layer Lens did not compute before, each as
// WeightWatcher computes it (github.com/CalculatedContent/WeightWatcher, weightwatcher 0.7.5.5; the
// function is named at each one), from the singular values s (λ = s², all min(N, M) of them) of an
// N×M matrix, N the larger dimension. α itself is powerLaw.ts's fitPowerLawWW.
//
//   log_alpha_norm = log10 Σ λ^α                                  weightwatcher.py apply_norm_metrics
//   num_pl_spikes  = #{λ ≥ x_min}                                 weightwatcher.py fit_powerlaw
//   matrix_rank    = #{s > max(s)·N·ε₆₄}                          RMT_Util.py matrix_rank
//   entropy        = −Σ p ln p / ln(rank + 1e-10), p = λ/Σλ + 1e-10   RMT_Util.py matrix_entropy
//   mp_softrank    = λ₊(σ_mp) / λ_max of the ESD rescaled to mean 1     weightwatcher.py mp_fit
//
// σ_mp is fitted as RMT_Util.py fit_density_with_range does it: scipy.optimize.brute over σ in
// [0.05 s₀, 2 s₀) in steps of 0.01 s₀ (s₀ = calc_sigma: √(λ_max / (1 + 1/√Q)²)), then brute's default
// finish, scipy's fmin (nelderMead.ts), minimising RMT_Util.py resid_mp: the squared difference
// between the Marchenko–Pastur density of σ (the quarter circle of the singular values when Q = 1) and
// a linear-kernel density estimate of the ESD (scikit-learn KernelDensity(kernel='linear',
// bandwidth=0.1)) on 1000 points of [0, max + 0.5], leaving out points where the estimate is below
// 0.01, with a residual of 1000 per point when the MP edges miss the estimate's peak or range.
// WeightWatcher computes mp_softrank only with analyze(mp_fit=True); the value is the same.
import { fmin1d } from './nelderMead';

/** weightwatcher/constants.py EPSILON, added by matrix_entropy to every p and to the rank. */
const WW_EPSILON = 1e-10;
const FLOAT64_EPS = 2.220446049250313e-16;

/**
 * RMT_Util.py matrix_rank(svals, N): the singular values above max(s)·N·ε₆₄ (numpy's matrix_rank
 * tolerance). `floor` (a fraction of max(s)) raises that threshold to what the singular values at
 * hand resolve: Layer Lens's come from the Gram matrix, exact only down to ≈ 1e-7·max(s) (svd.ts),
 * so a singular value that is zero in exact arithmetic can read as 1e-8·max(s) and must not count.
 */
export function wwMatrixRank(s: ArrayLike<number>, N: number, floor = 0): number {
  let max = 0;
  for (let i = 0; i < s.length; i++) max = Math.max(max, s[i]);
  const tol = Math.max(max * N * FLOAT64_EPS, max * floor);
  let rank = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > tol) rank++;
  return rank;
}

/** RMT_Util.py matrix_entropy(svals, N): −Σ p ln p / ln(rank + 1e-10), p = s²/Σs² + 1e-10. */
export function wwMatrixEntropy(s: ArrayLike<number>, rank: number): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] * s[i];
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const p = (s[i] * s[i]) / sum + WW_EPSILON;
    h -= p * Math.log(p);
  }
  return h / Math.log(rank + WW_EPSILON);
}

/** weightwatcher.py apply_norm_metrics: log10 Σ λ^α over every eigenvalue; NaN without an α. */
export function wwLogAlphaNorm(lambda: ArrayLike<number>, alpha: number): number {
  if (!Number.isFinite(alpha)) return NaN;
  let sum = 0;
  for (let i = 0; i < lambda.length; i++) sum += Math.pow(lambda[i], alpha);
  return Math.log10(sum);
}

/** weightwatcher.py fit_powerlaw: num_pl_spikes = len(evals[evals >= xmin]); NaN without a fit. */
export function wwNumPlSpikes(lambda: ArrayLike<number>, xmin: number): number {
  if (!Number.isFinite(xmin)) return NaN;
  let n = 0;
  for (let i = 0; i < lambda.length; i++) if (lambda[i] >= xmin) n++;
  return n;
}

/** numpy.nan_to_num: NaN → 0, ±∞ → ±the largest double. */
function nanToNum(v: number): number {
  return Number.isNaN(v) ? 0 : v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
}

/**
 * scikit-learn KernelDensity(kernel='linear', bandwidth=h).score_samples, exponentiated, at each grid
 * point: Σᵢ max(0, 1 − |x − xᵢ|/h) / (n·h) (the 1-D linear kernel's norm is 1/h). `sorted` ascending,
 * `grid` ascending.
 */
export function linearKde(sorted: Float64Array, grid: Float64Array, h: number): Float64Array {
  const n = sorted.length;
  const out = new Float64Array(grid.length);
  let lo = 0;
  for (let g = 0; g < grid.length; g++) {
    const x = grid[g];
    while (lo < n && sorted[lo] < x && x - sorted[lo] >= h) lo++;
    let sum = 0;
    for (let j = lo; j < n; j++) {
      const d = Math.abs(x - sorted[j]);
      if (sorted[j] > x && d >= h) break;
      if (d < h) sum += 1 - d / h;
    }
    out[g] = sum / (n * h);
  }
  return out;
}

/**
 * RMT_Util.py resid_mp(sigma, evals, Q, bw, allresid=False) as a function of σ: the estimate does
 * not depend on σ, so it is computed once.
 */
export function mpResidual(samples: ArrayLike<number>, Q: number, bw: number): (sigma: number) => number {
  const sorted = Float64Array.from(samples).sort();
  const max = sorted[sorted.length - 1];
  // np.linspace(0, max + 0.5, 1000): i·step, the last point exactly the stop.
  const stop = max + 0.5;
  const step = stop / 999;
  const xde = Float64Array.from({ length: 1000 }, (_, i) => i * step);
  xde[999] = stop;
  const yde = linearKde(sorted, xde, bw);
  // Points of density < 0.01 are dropped (their residual is 0), as are those exactly at 0.01.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 1000; i++) {
    if (yde[i] > 0.01) {
      xs.push(xde[i]);
      ys.push(yde[i]);
    }
  }
  const count = xs.length;
  let peakAt = 0;
  for (let i = 1; i < count; i++) if (ys[i] > ys[peakAt]) peakAt = i;
  const peak = xs[peakAt];
  const xMax = xs[count - 1];
  if (Q === 1) {
    // quarter_circle_fun: (1/(π σ²))·√(4 − x²), whatever σ inside the root, as WeightWatcher writes it.
    return (sigma) => {
      const c = 1 / (Math.PI * sigma * sigma);
      let ss = 0;
      for (let i = 0; i < count; i++) {
        const r = nanToNum(c * Math.sqrt(4 - xs[i] * xs[i])) - ys[i];
        ss += r * r;
      }
      return ss;
    };
  }
  const y = 1 / Q;
  const root = Math.sqrt(1 / Q);
  return (sigma) => {
    // marchenko_pastur_fun: edges a, b = (σ(1 ∓ √(1/Q)))².
    const bRoot = sigma * (1 + root);
    const aRoot = sigma * (1 - root);
    const b = bRoot * bRoot;
    const a = aRoot * aRoot;
    if (count === 0) return NaN;
    if (b < peak || b > xMax || a > peak) return 1000 * 1000 * count;
    let ss = 0;
    for (let i = 0; i < count; i++) {
      const x = xs[i];
      const r = nanToNum((1 / (2 * Math.PI * sigma * sigma * x * y)) * Math.sqrt((b - x) * (x - a))) - ys[i];
      ss += r * r;
    }
    return ss;
  };
}

/** RMT_Util.py calc_sigma(Q, evals): the σ whose MP upper edge is λ_max. */
export function calcSigma(Q: number, lambdaMax: number): number {
  const inv = 1 / Math.sqrt(Q);
  return Math.sqrt(lambdaMax / ((1 + inv) * (1 + inv)));
}

/**
 * RMT_Util.py fit_density_with_range(evals, Q, bw): scipy.optimize.brute over
 * slice(0.05 s₀, 2 s₀, 0.01 s₀) (np.arange's points), then fmin from the best grid point.
 */
export function fitDensityWithRange(evals: ArrayLike<number>, Q: number, bw = 0.1): number {
  let lambdaMax = -Infinity;
  for (let i = 0; i < evals.length; i++) lambdaMax = Math.max(lambdaMax, evals[i]);
  const s0 = calcSigma(Q, lambdaMax);
  const toFit = Q === 1 ? Array.from(evals, Math.sqrt) : evals;
  const f = mpResidual(toFit, Q, bw);
  // np.arange(start, stop, step): ceil((stop − start)/step) points, start + i·((start + step) − start).
  const start = 0.05 * s0;
  const stop = 2.0 * s0;
  const step = 0.01 * s0;
  const length = Math.ceil((stop - start) / step);
  const delta = start + step - start;
  let best = NaN;
  let bestF = NaN;
  for (let i = 0; i < length; i++) {
    const x = i === 0 ? start : i === 1 ? start + step : start + i * delta;
    const v = f(x);
    // np.argmin: the first minimum, and a NaN (none here in practice) would win.
    if (i === 0 || v < bestF || (Number.isNaN(v) && !Number.isNaN(bestF))) {
      best = x;
      bestF = v;
    }
  }
  if (!Number.isFinite(bestF)) return NaN;
  return fmin1d(f, best).x;
}

export interface WeightWatcherMpFit {
  /** σ of the MP law fitted to the ESD rescaled to mean 1. */
  sigmaMp: number;
  /** λ₊(σ_mp) / λ_max, both rescaled: ≈ 1 for a random matrix, small when a spike dominates. */
  mpSoftrank: number;
}

/**
 * weightwatcher.py mp_fit on the eigenvalues λ of an N×M matrix (N ≥ M): rescale to mean 1
 * (Wscale² = len(λ)/Σλ), fit σ_mp, bulk_max = (σ_mp (1 + 1/√Q))², mp_softrank = bulk_max / λ_max.
 * NaN when the fit is impossible (all eigenvalues 0), as WeightWatcher's fit fails.
 */
export function wwMpFit(lambda: ArrayLike<number>, N: number, M: number): WeightWatcherMpFit {
  const Q = N / M;
  let sum = 0;
  for (let i = 0; i < lambda.length; i++) sum += lambda[i];
  if (!(sum > 0) || !Number.isFinite(sum)) return { sigmaMp: NaN, mpSoftrank: NaN };
  const wscale = Math.sqrt(lambda.length) / Math.sqrt(sum);
  const scale = wscale * wscale;
  const toPlot = Float64Array.from(lambda, (v) => scale * v);
  let lambdaMax = 0;
  for (const v of toPlot) lambdaMax = Math.max(lambdaMax, v);
  const s1 = fitDensityWithRange(toPlot, Q, 0.1);
  const edge = s1 * (1 + 1 / Math.sqrt(Q));
  return { sigmaMp: s1, mpSoftrank: (edge * edge) / lambdaMax };
}
