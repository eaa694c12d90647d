// Power-law fit of the upper tail of a spectrum, p(λ) ∝ λ^(−α) for λ ≥ x_min, two ways (the
// spectra option `alphaFit`):
//
// 'ww' (the default): WeightWatcher's own fit, so α equals the α that WeightWatcher reports
// (github.com/CalculatedContent/WeightWatcher, weightwatcher 0.7.5.5, its default pl_package='ww'):
// weightwatcher.py `fit_powerlaw` keeps the eigenvalues above EVALS_THRESH = 1e-5 and hands them to
// WW_powerlaw.py `pl_fit` → `WWFit.fit_power_law`: every eigenvalue but the largest is an x_min
// candidate, α_i = 1 + n_i / (Σ_{j≥i} ln x_j − n_i ln x_i), and its distance is WeightWatcher's
// D_i = max_j |1 − (x_j/x_i)^(1−α_i) − j/n_i| (j = 0 … n_i − 1, only the lower step of the empirical
// CDF; D_i = 1 where α_i ≤ 1); the first minimum of D wins. Matrices with fewer than 10 eigenvalues
// get no fit (WeightWatcher's min_evals skips them).
//
// 'clauset': Clauset, Shalizi & Newman (2009) as Layer Lens fitted it before: the same MLE
//   α = 1 + n_tail / Σ_{λ ≥ x_min} ln(λ / x_min),
// x_min among the distinct positive values with at least MIN_TAIL values at or above them (so a
// handful of outliers can never be "the tail" on their own, the spurious fits WeightWatcher
// reports), chosen by the two-sided KS distance of scipy.stats.kstest (both steps of the empirical
// CDF).
//
// Both flag a fit with fewer than RELIABLE_TAIL tail values as unreliable (its α is then never shown
// as a number). Pure and dependency-free: the spectra webview imports this file to refit live while
// x_min is dragged.

/** The two ways of fitting α: WeightWatcher's, or the Clauset et al. rule with a minimum tail. */
export type AlphaFit = 'ww' | 'clauset';
export const ALPHA_FITS: readonly AlphaFit[] = ['ww', 'clauset'];
export const DEFAULT_ALPHA_FIT: AlphaFit = 'ww';
/** How each fit is named to users (CLI, CSV documentation, panel). */
export const ALPHA_FIT_LABELS: Record<AlphaFit, string> = {
  ww: "WeightWatcher's fit",
  clauset: 'Clauset et al. fit (x_min leaves ≥ 10 eigenvalues, two-sided KS)',
};

/** weightwatcher/constants.py EVALS_THRESH: eigenvalues at or below it are left out of WW's fit. */
export const WW_EVALS_THRESH = 1e-5;
/** weightwatcher/constants.py DEFAULT_MIN_EVALS: WeightWatcher skips matrices with fewer eigenvalues. */
export const WW_MIN_EVALS = 10;

/** Fewest tail values an x_min candidate may leave. */
export const MIN_TAIL = 10;
/**
 * Rule for an unreliable fit: fewer than RELIABLE_TAIL values in the tail. The MLE's standard error
 * is (α − 1)/√n_tail, so below 25 values it exceeds a fifth of α − 1 and the number means little.
 */
export const RELIABLE_TAIL = 25;

export interface PowerLawFit {
  /** Which fit chose x_min (and whose distance `ks` is). */
  method: AlphaFit;
  /** NaN when no fit was possible. */
  alpha: number;
  xmin: number;
  /** Values ≥ x_min. */
  nTail: number;
  /** Positive values offered to the fit. */
  n: number;
  /**
   * Distance between the tail and the fitted law (fit quality: smaller is better): WeightWatcher's D
   * for 'ww', the two-sided KS distance for 'clauset'.
   */
  ks: number;
  /** Standard error of α, (α − 1)/√n_tail. */
  sigma: number;
  reliable: boolean;
  /** Why the fit is unreliable, in words a user understands. */
  reason?: string;
}

export interface PowerLawOptions {
  /** Which fit (default 'clauset' here; the spectra analysis defaults to 'ww'). */
  method?: AlphaFit;
  /** 'clauset' only: fewest values a candidate x_min may leave. */
  minTail?: number;
  reliableTail?: number;
}

/** Finite values above `floor` (default 0: the positive ones), ascending. */
export function positiveSorted(values: ArrayLike<number>, floor = 0): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > floor && Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/** The values a fit of `method` uses: WeightWatcher's leave out those ≤ 1e-5. */
export function fitValues(values: ArrayLike<number>, method: AlphaFit): Float64Array {
  return positiveSorted(values, method === 'ww' ? WW_EVALS_THRESH : 0);
}

/** (x/x_min)^(1−α) as numpy computes it: 1 when x = x_min even for α = ∞ (JavaScript gives NaN). */
function ratioPow(ratio: number, exponent: number): number {
  return ratio === 1 ? 1 : Math.pow(ratio, exponent);
}

/** Fitted CDF of the tail, 1 − (x/x_min)^(1−α). */
export function powerLawCdf(x: number, alpha: number, xmin: number): number {
  return x < xmin ? 0 : 1 - Math.pow(x / xmin, 1 - alpha);
}

/**
 * WeightWatcher's distance (WW_powerlaw.py WWFit.fit_power_law) between sorted[start…] and the power
 * law (α, xmin): max_j |1 − (x_j/x_min)^(1−α) − j/n|, j = 0 … n − 1; 1 when α ≤ 1 (or NaN).
 */
export function wwTailDistance(sorted: Float64Array, start: number, alpha: number, xmin: number): number {
  if (!(alpha > 1)) return 1;
  const n = sorted.length - start;
  let d = 0;
  for (let j = 0; j < n; j++) d = Math.max(d, Math.abs(1 - ratioPow(sorted[start + j] / xmin, 1 - alpha) - j / n));
  return d;
}

/**
 * wwTailDistance of candidate `start` from the logs of the sorted values, (x_j/x_i)^(1−α) as
 * exp((1−α)(ln x_j − ln x_i)); stops as soon as the distance reaches `stopAt` (it can then no longer
 * be the first minimum), so the O(n²) search costs far less than n²/2 powers.
 */
function wwCandidateDistance(logs: Float64Array, start: number, alpha: number, stopAt: number): number {
  if (!(alpha > 1)) return 1;
  const n = logs.length - start;
  const e = 1 - alpha;
  const l0 = logs[start];
  let d = 0;
  for (let j = 0; j < n; j++) {
    const dl = logs[start + j] - l0;
    const f = dl === 0 ? 0 : 1 - Math.exp(e * dl);
    d = Math.max(d, Math.abs(f - j / n));
    if (d >= stopAt) return d;
  }
  return d;
}

/**
 * Two-sided KS distance between sorted[start…] and the power law (α, sorted[start] or xmin); stops
 * early once it reaches `stopAt` (a candidate that can no longer win the minimum).
 */
export function tailKs(sorted: Float64Array, start: number, alpha: number, xmin: number, stopAt = Infinity): number {
  const n = sorted.length - start;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = powerLawCdf(sorted[start + i], alpha, xmin);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
    if (d >= stopAt) return d;
  }
  return d;
}

function finish(method: AlphaFit, alpha: number, xmin: number, nTail: number, n: number, ks: number, reliableTail: number): PowerLawFit {
  const sigma = (alpha - 1) / Math.sqrt(nTail);
  if (nTail < reliableTail) {
    return {
      method,
      alpha,
      xmin,
      nTail,
      n,
      ks,
      sigma,
      reliable: false,
      reason: `the tail has only ${nTail} eigenvalues (fewer than ${reliableTail}), so α's standard error ${sigma.toPrecision(2)} is too large to trust`,
    };
  }
  return { method, alpha, xmin, nTail, n, ks, sigma, reliable: true };
}

function noFit(method: AlphaFit, n: number, reason: string): PowerLawFit {
  return { method, alpha: NaN, xmin: NaN, nTail: 0, n, ks: NaN, sigma: NaN, reliable: false, reason };
}

/**
 * Fit with x_min chosen automatically: by `opts.method` ('clauset' unless given: minimum two-sided KS
 * distance over candidates leaving ≥ minTail values; 'ww': fitPowerLawWW).
 */
export function fitPowerLaw(values: ArrayLike<number>, opts: PowerLawOptions = {}): PowerLawFit {
  if (opts.method === 'ww') return fitPowerLawWW(values, opts);
  const minTail = Math.max(2, opts.minTail ?? MIN_TAIL);
  const reliableTail = opts.reliableTail ?? RELIABLE_TAIL;
  const x = positiveSorted(values);
  const n = x.length;
  if (n < minTail) return noFit('clauset', n, `only ${n} positive eigenvalues; a power-law fit needs at least ${minTail}`);
  // Suffix sums of ln x make each candidate's α O(1); its KS distance costs O(n_tail).
  const suffixLog = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffixLog[i] = suffixLog[i + 1] + Math.log(x[i]);
  let best: { alpha: number; start: number; ks: number } | undefined;
  for (let i = 0; i + minTail <= n; i++) {
    if (i > 0 && x[i] === x[i - 1]) continue; // only the first of equal values is a distinct x_min
    const nTail = n - i;
    const logSum = suffixLog[i] - nTail * Math.log(x[i]);
    if (!(logSum > 0)) continue; // every tail value equals x_min: no slope to fit
    const alpha = 1 + nTail / logSum;
    const ks = tailKs(x, i, alpha, x[i], best?.ks);
    if (!best || ks < best.ks) best = { alpha, start: i, ks };
  }
  if (!best) return noFit('clauset', n, 'the largest eigenvalues are all equal; there is no tail to fit');
  return finish('clauset', best.alpha, x[best.start], n - best.start, n, best.ks, reliableTail);
}

/**
 * WeightWatcher's fit (weightwatcher.py fit_powerlaw → WW_powerlaw.py WWFit.fit_power_law, see the
 * module comment): `values` are all the eigenvalues of the matrix; those ≤ 1e-5 are left out, every
 * remaining one but the largest is a candidate x_min, and the first minimum of WeightWatcher's D wins.
 */
export function fitPowerLawWW(values: ArrayLike<number>, opts: PowerLawOptions = {}): PowerLawFit {
  const reliableTail = opts.reliableTail ?? RELIABLE_TAIL;
  let count = 0;
  let positive = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) count++;
    if (values[i] > 0 && Number.isFinite(values[i])) positive++;
  }
  if (count < WW_MIN_EVALS) {
    const what = positive === count ? `only ${count} positive eigenvalues` : `only ${count} eigenvalues (${positive} positive)`;
    return noFit('ww', positive, `${what}; a power-law fit needs at least ${WW_MIN_EVALS} (WeightWatcher skips smaller matrices)`);
  }
  const x = fitValues(values, 'ww');
  const n = x.length;
  if (n < 2) return noFit('ww', n, `only ${n} eigenvalue(s) above 1e-5 (WeightWatcher's threshold); there is no tail to fit`);
  const logs = x.map(Math.log);
  // Σ_{j≥i} ln x_j for every i, each with compensated (Neumaier) summation: as accurate as numpy's
  // pairwise np.sum(log_data[i:]) in WWFit, without its O(n) cost per candidate.
  const suffix = new Float64Array(n + 1);
  let sum = 0;
  let comp = 0;
  for (let i = n - 1; i >= 0; i--) {
    const v = logs[i];
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
    suffix[i] = sum + comp;
  }
  let best = -1;
  let bestD = Infinity;
  let bestAlpha = NaN;
  for (let i = 0; i < n - 1; i++) {
    const nTail = n - i;
    // n / 0 is ∞ here as in numpy (an all-equal tail), and α ≤ 1 gets D = 1.
    const alpha = 1 + nTail / (suffix[i] - nTail * logs[i]);
    const d = wwCandidateDistance(logs, i, alpha, bestD);
    if (d < bestD) {
      bestD = d;
      best = i;
      bestAlpha = alpha;
    }
  }
  return finish('ww', bestAlpha, x[best], n - best, n, bestD, reliableTail);
}

/**
 * Fit with a given x_min (the panel's draggable x_min): every value ≥ xmin is the tail; its distance
 * is the one of `opts.method` (default 'clauset').
 */
export function fitPowerLawAt(values: ArrayLike<number>, xmin: number, opts: PowerLawOptions = {}): PowerLawFit {
  const reliableTail = opts.reliableTail ?? RELIABLE_TAIL;
  const method = opts.method ?? 'clauset';
  if (!(xmin > 0) || !Number.isFinite(xmin)) throw new Error(`power-law fit: x_min must be a positive number, got ${xmin}`);
  const x = fitValues(values, method);
  const n = x.length;
  let start = 0;
  while (start < n && x[start] < xmin) start++;
  const nTail = n - start;
  if (nTail < 2) return noFit(method, n, `only ${nTail} eigenvalue(s) at or above x_min = ${xmin.toPrecision(4)}`);
  let logSum = 0;
  for (let i = start; i < n; i++) logSum += Math.log(x[i] / xmin);
  if (!(logSum > 0)) return noFit(method, n, 'every eigenvalue of the tail equals x_min; there is no slope to fit');
  const alpha = 1 + nTail / logSum;
  const distance = method === 'ww' ? wwTailDistance(x, start, alpha, xmin) : tailKs(x, start, alpha, xmin);
  return finish(method, alpha, xmin, nTail, n, distance, reliableTail);
}
