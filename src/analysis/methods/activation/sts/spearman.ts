/**
 * Spearman's rank correlation with its two-sided p-value, as scipy.stats.spearmanr computes them:
 * both vectors are ranked with average ranks for ties, ρ is Pearson's r of the ranks, and the
 * p-value comes from t = ρ·√((n − 2) / (1 − ρ²)) under Student's t with n − 2 degrees of freedom
 * (an approximation: exact for neither small n nor ties, the usual one for n ≳ 10).
 *
 * The t tail is the regularized incomplete beta function, P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2). It is
 * written here (a continued fraction and log Γ, about forty lines) rather than taken from a
 * statistics package: it is the only distribution function Layer Lens needs.
 */

export interface RankCorrelation {
  /** Spearman's ρ; NaN when either vector is constant or n < 2. */
  rho: number;
  /** Two-sided p-value (t approximation, n − 2 degrees of freedom); NaN when ρ is NaN or n < 3. */
  p: number;
  n: number;
}

/** 1-based ranks of `x`; tied values share the mean of the ranks they span (scipy's method='average'). */
export function averageRanks(x: readonly number[]): number[] {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Array<number>(x.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pearson's r; NaN when either vector has no variance. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`cannot correlate vectors of lengths ${n} and ${y.length}`);
  if (n < 2) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  // Rounding can push |r| a hair past 1.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export function spearman(x: readonly number[], y: readonly number[]): RankCorrelation {
  if (x.some((v) => Number.isNaN(v)) || y.some((v) => Number.isNaN(v))) throw new Error('Spearman correlation of vectors holding NaN');
  const n = x.length;
  const rho = pearson(averageRanks(x), averageRanks(y));
  return { rho, p: tTestPValue(rho, n), n };
}

/** Two-sided p-value of a correlation r over n pairs from Student's t with n − 2 degrees of freedom. */
export function tTestPValue(r: number, n: number): number {
  const dof = n - 2;
  if (!Number.isFinite(r) || dof < 1) return NaN;
  if (Math.abs(r) >= 1) return 0;
  const t2 = (r * r * dof) / (1 - r * r);
  return regularizedBeta(dof / (dof + t2), dof / 2, 0.5);
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, nine coefficients; relative error below 1e-14). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/**
 * The regularized incomplete beta function I_x(a, b), from its continued fraction (DLMF 8.17.22)
 * evaluated with the modified Lentz method; for x > (a + 1)/(a + b + 2) through I_x(a, b) = 1 − I_{1−x}(b, a),
 * where the fraction converges fast.
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1) || !(a > 0) || !(b > 0)) return NaN;
  if (x === 0 || x === 1) return x;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaFraction(1 - x, b, a)) / b;
  return (front * betaFraction(x, a, b)) / a;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1,
    d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 500; m++) {
    // The even term d_{2m}, then the odd term d_{2m+1}; converged when the odd step no longer changes f.
    let delta = 1;
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      delta = c * d;
      f *= delta;
    }
    if (Math.abs(delta - 1) < 1e-16) return f;
  }
  return f;
}
