// Marchenko–Pastur law for the singular values ν of an m×n matrix (m ≤ n; a tall matrix is read
// transposed) whose entries are i.i.d. with standard deviation σ:
//   P(ν) = (n/m) / (π σ̃² ν) · √((ν₊² − ν²)(ν² − ν₋²))  on [ν₋, ν₊],  ν± = σ̃(1 ± √(m/n)),  σ̃ = σ√n.
// The CDF is integrated numerically after the substitution ν² = a + (b − a)(1 − cos θ)/2
// (a = ν₋², b = ν₊²), which turns the square-root endpoints into a smooth integrand; 5-point
// Gauss–Legendre per θ-interval is then exact to ~1e-13.

export interface MarchenkoPastur {
  /** Shorter and longer side of the matrix. */
  m: number;
  n: number;
  /** Entry standard deviation. */
  sigma: number;
  /** σ√n. */
  scale: number;
  /** Singular-value edges ν₋, ν₊. */
  lower: number;
  upper: number;
  /**
   * Edges widened by the finite-size fluctuation of the extreme eigenvalues (Tracy–Widom scale,
   * Johnstone 2001 for the top, Ma 2012 for the bottom), TW_MARGIN scales beyond the edge. A
   * Gaussian matrix puts its extreme singular values beyond these with probability ≈ 1e-4.
   */
  lowerTolerant: number;
  upperTolerant: number;
}

/** Tracy–Widom scales beyond the edge still counted as bulk (Pr(TW₁ > 4) ≈ 1e-4). */
export const TW_MARGIN = 4;

export function marchenkoPastur(rows: number, cols: number, sigma: number): MarchenkoPastur {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0)) {
    throw new Error(`Marchenko–Pastur: the matrix shape must be positive integers, got ${rows}×${cols}`);
  }
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`Marchenko–Pastur: the entry std must be positive and finite, got ${sigma}`);
  const m = Math.min(rows, cols);
  const n = Math.max(rows, cols);
  const scale = sigma * Math.sqrt(n);
  const r = Math.sqrt(m / n);
  const lower = scale * (1 - r);
  const upper = scale * (1 + r);
  // Fluctuation scales of λ = ν² in units of σ².
  const sqm = Math.sqrt(m),
    sqn = Math.sqrt(n);
  const topScale = (sqn + sqm) * Math.cbrt(1 / sqn + 1 / sqm);
  const bottomScale = m < n ? (sqn - sqm) * Math.cbrt(Math.abs(1 / sqm - 1 / sqn)) : 0;
  const s2 = sigma * sigma;
  const upperTolerant = Math.sqrt(upper * upper + TW_MARGIN * topScale * s2);
  const lowerTolerant = Math.sqrt(Math.max(0, lower * lower - TW_MARGIN * bottomScale * s2));
  return { m, n, sigma, scale, lower, upper, lowerTolerant, upperTolerant };
}

/** Density of the singular values at ν (0 outside the bulk). */
export function mpDensity(law: MarchenkoPastur, nu: number): number {
  if (!(nu > law.lower && nu < law.upper) || nu <= 0) return 0;
  const nu2 = nu * nu;
  const inner = (law.upper * law.upper - nu2) * (nu2 - law.lower * law.lower);
  return (law.n / law.m / (Math.PI * law.scale * law.scale * nu)) * Math.sqrt(Math.max(0, inner));
}

/** The density on `points` evenly spaced ν across [ν₋, ν₊], for plotting. */
export function mpCurve(law: MarchenkoPastur, points = 200): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < points; i++) {
    const nu = law.lower + ((law.upper - law.lower) * i) / (points - 1);
    x.push(nu);
    y.push(mpDensity(law, nu));
  }
  return { x, y };
}

const GL_NODES = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
const GL_WEIGHTS = [0.23692688505618908, 0.47862867049936647, 0.5688888888888889, 0.47862867049936647, 0.23692688505618908];
const INTERVALS = 256;

/** dF/dθ of the substituted integral. */
function thetaDensity(law: MarchenkoPastur, theta: number): number {
  const a = law.lower * law.lower;
  const b = law.upper * law.upper;
  const half = (b - a) / 2;
  const lambda = a + half * (1 - Math.cos(theta));
  const q = law.m / law.n;
  const s = Math.sin(theta);
  // For a square matrix (a = 0) λ ~ θ²/4 at θ → 0 and sin²θ/λ stays finite: use the closed limit.
  const ratio = lambda > 0 ? (s * s) / lambda : a === 0 ? (2 * (1 + Math.cos(theta))) / b : 0;
  return (half * half * ratio) / (2 * Math.PI * law.scale * law.scale * q);
}

/** ∫ dF/dθ over [t0, t1] by 5-point Gauss–Legendre (the integrand is smooth, so this is exact to ~h¹⁰). */
function integrateTheta(law: MarchenkoPastur, t0: number, t1: number): number {
  const mid = (t0 + t1) / 2;
  const half = (t1 - t0) / 2;
  let s = 0;
  for (let g = 0; g < 5; g++) s += GL_WEIGHTS[g] * thetaDensity(law, mid + half * GL_NODES[g]);
  return s * half;
}

/** The CDF of the singular values, F(ν) = Pr(singular value ≤ ν), as a function. */
export function mpCdf(law: MarchenkoPastur): (nu: number) => number {
  const h = Math.PI / INTERVALS;
  // F at the grid points θᵢ = i·h; a query adds the integral from the grid point below it.
  const cumulative = new Float64Array(INTERVALS + 1);
  for (let i = 0; i < INTERVALS; i++) cumulative[i + 1] = cumulative[i] + integrateTheta(law, i * h, (i + 1) * h);
  const a = law.lower * law.lower;
  const b = law.upper * law.upper;
  return (nu: number) => {
    const nu2 = nu * nu;
    if (nu <= law.lower || nu2 <= a) return 0;
    if (nu >= law.upper || nu2 >= b) return 1;
    // θ from sin²(θ/2) = (ν² − a)/(b − a), through whichever half-angle keeps full precision
    // (acos(1 − 2u) would lose everything for ν within ~1e-8 of an edge).
    const below = (nu2 - a) / (b - a);
    const above = (b - nu2) / (b - a);
    const theta = below <= 0.5 ? 2 * Math.asin(Math.sqrt(below)) : Math.PI - 2 * Math.asin(Math.sqrt(above));
    const i = Math.min(INTERVALS - 1, Math.floor(theta / h));
    return Math.min(1, Math.max(0, cumulative[i] + integrateTheta(law, i * h, theta)));
  };
}
