/**
 * The DOCS of two unrelated matrices of a given shape (docs/methods.md §1): the level a heatmap is
 * read against and the clusters' floor. Exact for the shape, not the classical Φ⁻¹(1 − 1/2m)/√n,
 * which is 2–3 % high for the small n of trained small models (n = 64, m = 172: 0.345 against 0.336).
 *
 * For X, Y with independent Gaussian (so uniformly directed) n-vectors as their m columns, fix a
 * column X_j: its m cosines with the Y_k are independent, each |cos| with density
 * f(t) ∝ (1 − t²)^((n−3)/2) on [0, 1], so the row maximum s_X[j] has the CDF F(t)^m. DOCS fits a
 * Gumbel by maximum likelihood to the m row maxima; with many samples that fit tends to the
 * solution of the likelihood equations under F^m:
 *     β = E[x] − E[x e^(−x/β)] / E[e^(−x/β)],   u = −β ln E[e^(−x/β)],
 * and S = u (the column maxima give the same by symmetry). The expectations are integrals on a fine
 * grid, computed here (no special-function library in the dependencies); test/oracles/docs_chance.py
 * computes the same with scipy's incomplete beta and quadrature, and a simulation of the paper's
 * procedure, which agree to within its sampling error.
 */
import { normalQuantile } from './docs';

/** Grid points on [0, hi]: the integrands are smooth bumps of width ~1/√n, so this is far past converged. */
const GRID = 20001;

const cache = new Map<string, number>();

export function docsChanceLevel(n: number, m: number): number {
  const key = `${n}x${m}`;
  let level = cache.get(key);
  if (level === undefined) {
    level = compute(n, m);
    cache.set(key, level);
  }
  return level;
}

function compute(n: number, m: number): number {
  // Below n = 3 the density of |cos| is not bounded at 1; such "layers" are not matrices worth a
  // level, and the classical value is returned.
  if (!(n >= 3 && m >= 2)) return normalQuantile(1 - 1 / (2 * Math.max(m, 1))) / Math.sqrt(n);
  const t0 = normalQuantile(1 - 1 / (2 * m)) / Math.sqrt(n); // about where the maximum lies
  const hi = Math.min(1, t0 + 12 / Math.sqrt(n));
  const h = hi / (GRID - 1);
  const t = new Float64Array(GRID);
  const logF = new Float64Array(GRID); // unnormalised log density of |cos|
  for (let i = 0; i < GRID; i++) {
    t[i] = i * h;
    logF[i] = i === GRID - 1 && hi === 1 ? -Infinity : ((n - 3) / 2) * Math.log1p(-t[i] * t[i]);
  }
  // Upper tail 1 − F(t_i) = ∫_{t_i}^1 f, accumulated from the top (no cancellation near F = 1),
  // with trapezoids; the mass above hi is below e^(−70) of the total and left out.
  const tail = new Float64Array(GRID);
  for (let i = GRID - 2; i >= 0; i--) tail[i] = tail[i + 1] + (h / 2) * (Math.exp(logF[i]) + Math.exp(logF[i + 1]));
  const total = tail[0];
  // log density of the maximum of m: log m + (m − 1) log F + log f, with f normalised.
  const logG = new Float64Array(GRID);
  for (let i = 0; i < GRID; i++) {
    const F = 1 - tail[i] / total;
    logG[i] = F > 0 ? Math.log(m) + (m - 1) * Math.log1p(-tail[i] / total) + logF[i] - Math.log(total) : -Infinity;
  }
  // E[x^k e^(−(x − t0)/β)] by Simpson's rule (GRID is odd); without β, plain moments.
  const moment = (k: number, beta?: number): number => {
    let s = 0;
    for (let i = 0; i < GRID; i++) {
      const w = i === 0 || i === GRID - 1 ? 1 : i % 2 === 1 ? 4 : 2;
      const e = logG[i] - (beta === undefined ? 0 : (t[i] - t0) / beta);
      if (e > -745) s += w * t[i] ** k * Math.exp(e);
    }
    return (s * h) / 3;
  };
  const mass = moment(0);
  const mean = moment(1) / mass;
  const equation = (beta: number) => beta - (mean - moment(1, beta) / moment(0, beta));
  // The likelihood equation has one root; bisect it in a bracket wide around the Gumbel scale ~0.3/√n.
  let a = 0.02 / Math.sqrt(n);
  let b = 2 / Math.sqrt(n);
  let fa = equation(a);
  for (let iter = 0; iter < 100 && b - a > 1e-15 * b; iter++) {
    const c = (a + b) / 2;
    const fc = equation(c);
    if (Math.sign(fc) === Math.sign(fa)) {
      a = c;
      fa = fc;
    } else b = c;
  }
  const beta = (a + b) / 2;
  return t0 - beta * Math.log(moment(0, beta) / mass);
}
