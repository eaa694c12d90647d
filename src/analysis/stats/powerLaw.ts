// Power-law fit of the upper tail of a spectrum, p(λ) ∝ λ^(−α) for λ ≥ x_min (Clauset, Shalizi &
// Newman 2009, the method of the `powerlaw` package that WeightWatcher uses):
//   α = 1 + n_tail / Σ_{λ ≥ x_min} ln(λ / x_min)                         (continuous MLE)
//   x_min = the candidate minimising the KS distance between the tail and the fitted law.
// Candidates are the distinct positive values with at least MIN_TAIL values at or above them, so a
// handful of outliers can never be "the tail" on their own (the spurious fits WeightWatcher
// reports). The KS distance is the two-sided one of scipy.stats.kstest (both steps of the
// empirical CDF), not the one-sided variant of the `powerlaw` package.
// Pure and dependency-free: the spectra webview imports this file to refit live while x_min is dragged.

/** Fewest tail values an x_min candidate may leave. */
export const MIN_TAIL = 10;
/**
 * Rule for an unreliable fit: fewer than RELIABLE_TAIL values in the tail. The MLE's standard error
 * is (α − 1)/√n_tail, so below 25 values it exceeds a fifth of α − 1 and the number means little.
 */
export const RELIABLE_TAIL = 25;

export interface PowerLawFit {
  /** NaN when no fit was possible. */
  alpha: number;
  xmin: number;
  /** Values ≥ x_min. */
  nTail: number;
  /** Positive values offered to the fit. */
  n: number;
  /** KS distance between the tail and the fitted law (fit quality: smaller is better). */
  ks: number;
  /** Standard error of α, (α − 1)/√n_tail. */
  sigma: number;
  reliable: boolean;
  /** Why the fit is unreliable, in words a user understands. */
  reason?: string;
}

export interface PowerLawOptions {
  minTail?: number;
  reliableTail?: number;
}

/** Positive finite values, ascending. */
export function positiveSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0 && Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/** Fitted CDF of the tail, 1 − (x/x_min)^(1−α). */
export function powerLawCdf(x: number, alpha: number, xmin: number): number {
  return x < xmin ? 0 : 1 - Math.pow(x / xmin, 1 - alpha);
}

/** Two-sided KS distance between sorted[start…] and the power law (α, sorted[start] or xmin). */
export function tailKs(sorted: Float64Array, start: number, alpha: number, xmin: number): number {
  const n = sorted.length - start;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = powerLawCdf(sorted[start + i], alpha, xmin);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

function finish(alpha: number, xmin: number, nTail: number, n: number, ks: number, reliableTail: number): PowerLawFit {
  const sigma = (alpha - 1) / Math.sqrt(nTail);
  if (nTail < reliableTail) {
    return {
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
  return { alpha, xmin, nTail, n, ks, sigma, reliable: true };
}

function noFit(n: number, reason: string): PowerLawFit {
  return { alpha: NaN, xmin: NaN, nTail: 0, n, ks: NaN, sigma: NaN, reliable: false, reason };
}

/** Fit with x_min chosen by minimum KS distance. */
export function fitPowerLaw(values: ArrayLike<number>, opts: PowerLawOptions = {}): PowerLawFit {
  const minTail = Math.max(2, opts.minTail ?? MIN_TAIL);
  const reliableTail = opts.reliableTail ?? RELIABLE_TAIL;
  const x = positiveSorted(values);
  const n = x.length;
  if (n < minTail) return noFit(n, `only ${n} positive eigenvalues; a power-law fit needs at least ${minTail}`);
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
    const ks = tailKs(x, i, alpha, x[i]);
    if (!best || ks < best.ks) best = { alpha, start: i, ks };
  }
  if (!best) return noFit(n, 'the largest eigenvalues are all equal; there is no tail to fit');
  return finish(best.alpha, x[best.start], n - best.start, n, best.ks, reliableTail);
}

/** Fit with a given x_min (the panel's draggable x_min): every value ≥ xmin is the tail. */
export function fitPowerLawAt(values: ArrayLike<number>, xmin: number, opts: PowerLawOptions = {}): PowerLawFit {
  const reliableTail = opts.reliableTail ?? RELIABLE_TAIL;
  if (!(xmin > 0) || !Number.isFinite(xmin)) throw new Error(`power-law fit: x_min must be a positive number, got ${xmin}`);
  const x = positiveSorted(values);
  const n = x.length;
  let start = 0;
  while (start < n && x[start] < xmin) start++;
  const nTail = n - start;
  if (nTail < 2) return noFit(n, `only ${nTail} eigenvalue(s) at or above x_min = ${xmin.toPrecision(4)}`);
  let logSum = 0;
  for (let i = start; i < n; i++) logSum += Math.log(x[i] / xmin);
  if (!(logSum > 0)) return noFit(n, 'every eigenvalue of the tail equals x_min; there is no slope to fit');
  const alpha = 1 + nTail / logSum;
  return finish(alpha, xmin, nTail, n, tailKs(x, start, alpha, xmin), reliableTail);
}
