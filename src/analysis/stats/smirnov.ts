// One-sided Kolmogorov–Smirnov (Smirnov) distribution: Pr(D⁺ₙ ≥ x), the survival function that
// scipy.special.smirnov returns. Exact Birnbaum–Tingey sum (van Mulbregt, arXiv:1802.06966):
//   Pr(D⁺ₙ ≥ x) = x · Σ_{j=0}^{⌊n(1−x)⌋} C(n,j) (1 − x − j/n)^(n−j) (x + j/n)^(j−1).
// Every term is positive, so the sum is evaluated in log space term by term without cancellation;
// scipy evaluates the same sum in double-double, and the two agree to ~1e-13 relative where the
// two-sided test uses it (small p-values).

/** Above this n scipy switches to an asymptotic formula (SMIRNOV_MAX_COMPUTE_N in cephes). */
const MAX_EXACT_N = 1_000_000;

/** Pr(D⁺ₙ ≥ x) for a sample of size n. */
export function smirnovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`smirnovSf: n must be a positive integer, got ${n}`);
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  if (n === 1) return 1 - x;
  const nx = n * x;
  let nxFloor = Math.floor(nx);
  let alpha = nx - nxFloor;
  if (alpha >= 1) {
    nxFloor += 1;
    alpha = 0;
  }
  // x ≤ 1/n: only the j = 0 term of the complementary (upper) sum is non-zero.
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) return 1 - x * Math.pow(1 + x, n - 1);
  // x ≥ 1 − 1/n: only the j = 0 term of the lower sum is non-zero.
  if (nxFloor >= n - 1) return Math.pow(1 - x, n);
  if (n > MAX_EXACT_N) {
    // scipy's approximation for huge n: Pr ≈ exp(−(6nx+1)²/(18n)).
    return Math.exp(-Math.pow(6 * n * x + 1, 2) / 18 / n);
  }
  // Upper index of the sum (the j = ⌊n(1−x)⌋ term is zero when n·x is an integer).
  const last = n - nxFloor - 1;
  // log C(n, j) accumulated with Neumaier's compensated summation: a plain running sum of ~10⁴
  // logs of magnitude ~10 drifts by ~1e-10, which would show in the p-values for large n.
  let logBinomial = 0;
  let compensation = 0;
  let sum = 0;
  let previous = 0;
  for (let j = 0; j <= last; j++) {
    if (j > 0) {
      const inc = Math.log((n - j + 1) / j);
      const t = logBinomial + inc;
      compensation += Math.abs(logBinomial) >= Math.abs(inc) ? logBinomial - t + inc : inc - t + logBinomial;
      logBinomial = t;
    }
    const logTerm = logBinomial + compensation + (n - j) * Math.log1p(-x - j / n) + (j - 1) * Math.log(x + j / n);
    const term = Math.exp(logTerm);
    sum += term;
    // The terms rise to one peak and then fall: once falling, stop when the rest cannot matter.
    if (term < previous && term * 4 * (last - j) < 2.220446049250313e-16 * sum) break;
    previous = term;
  }
  return Math.min(1, Math.max(0, x * sum));
}
