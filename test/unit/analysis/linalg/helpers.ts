// Small float64 reference tools for the linear-algebra tests, written plainly (no code shared with
// the linear algebra under test; the seeded generator is the project's one from stats/random).
import { uniformSource as seeded } from '../../../../src/analysis/stats/random';

/** Deterministic uniform generator in [0, 1) (mulberry32). */
export { seeded };

/** Standard normal samples (Box–Muller). */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** C = A·B for row-major A (m×k), B (k×n). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p];
      if (x === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += x * b[p * n + j];
    }
  }
  return c;
}

export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/**
 * A random n×n orthogonal matrix: the product of n Householder reflections of Gaussian vectors
 * (Haar-distributed up to signs, which is all the tests need).
 */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const normal = gaussian(seeded(seed));
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let h = 0; h < n; h++) {
    let norm2 = 0;
    for (let i = 0; i < n; i++) norm2 += (v[i] = normal()) ** 2;
    // Q ← Q·(I − 2 v vᵀ / vᵀv)
    w.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i] += q[i * n + j] * v[j];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[i * n + j] -= (2 / norm2) * w[i] * v[j];
  }
  return q;
}

/** Columns 0..k−1 of a random orthogonal n×n matrix: an n×k matrix with orthonormal columns. */
export function randomOrthonormalColumns(n: number, k: number, seed: number): Float64Array {
  const q = randomOrthogonal(n, seed);
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = q[i * n + j];
  return out;
}

/** Q·diag(λ)·Qᵀ, symmetrised exactly. */
export function withSpectrum(q: Float64Array, lambda: ArrayLike<number>): Float64Array {
  const n = lambda.length;
  const ql = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ql[i * n + j] = q[i * n + j] * lambda[j];
  const a = matmul(ql, transpose(q, n, n), n, n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (a[i * n + j] + a[j * n + i]);
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

export function randomSymmetric(n: number, seed: number): Float64Array {
  const normal = gaussian(seeded(seed));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = normal();
  return a;
}

export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** max over i of ‖A·vᵢ − λᵢ·vᵢ‖₂, and max |VᵀV − I|, for V n×n with eigenvectors as columns. */
export function eigenResiduals(a: ArrayLike<number>, values: ArrayLike<number>, v: ArrayLike<number>, n: number): { residual: number; orthogonality: number } {
  const av = matmul(a, v, n, n, n);
  let residual = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += (av[r * n + i] - values[i] * v[r * n + i]) ** 2;
    residual = Math.max(residual, Math.sqrt(s));
  }
  const vtv = matmul(transpose(v, n, n), v, n, n, n);
  let orthogonality = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) orthogonality = Math.max(orthogonality, Math.abs(vtv[i * n + j] - (i === j ? 1 : 0)));
  return { residual, orthogonality };
}

/** Spectral-norm proxy used to make residuals relative: the Frobenius norm. */
export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Sorted copy, ascending. */
export function ascending(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x).sort();
}

/**
 * The 5-point Laplacian of a p×q grid in lexicographic order (half-bandwidth p) and its exact
 * eigenvalues (2 − 2cos(jπ/(p+1))) + (2 − 2cos(kπ/(q+1))), ascending.
 */
export function gridLaplacian(p: number, q: number): { matrix: Float64Array; n: number; eigenvalues: Float64Array } {
  const n = p * q;
  const a = new Float64Array(n * n);
  const at = (x: number, y: number) => y * p + x;
  for (let y = 0; y < q; y++) {
    for (let x = 0; x < p; x++) {
      const i = at(x, y);
      a[i * n + i] = 4;
      if (x + 1 < p) a[i * n + at(x + 1, y)] = a[at(x + 1, y) * n + i] = -1;
      if (y + 1 < q) a[i * n + at(x, y + 1)] = a[at(x, y + 1) * n + i] = -1;
    }
  }
  const ev: number[] = [];
  for (let j = 1; j <= p; j++) for (let k = 1; k <= q; k++) ev.push(4 - 2 * Math.cos((j * Math.PI) / (p + 1)) - 2 * Math.cos((k * Math.PI) / (q + 1)));
  return { matrix: a, n, eigenvalues: ascending(ev) };
}
