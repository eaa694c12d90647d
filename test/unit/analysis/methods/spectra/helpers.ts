// Synthetic matrices with known spectra for the spectra tests, written plainly in float64 (no code
// shared with the implementation under test beyond the seeded normal generator).
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { normalSource, uniformSource } from '../../../../../src/analysis/stats/random';

export function gaussianMatrix(rows: number, cols: number, std: number, seed: number): Matrix {
  const g = normalSource(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => g() * std) };
}

/** Applies the reflector I − 2vvᵀ (‖v‖ = 1) to the rows (side 'left') or columns ('right') of a row-major m×n array. */
function reflect(a: Float64Array, m: number, n: number, v: Float64Array, side: 'left' | 'right'): void {
  if (side === 'left') {
    const w = new Float64Array(n); // vᵀA
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j] += v[i] * a[i * n + j];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * n + j] -= 2 * v[i] * w[j];
  } else {
    for (let i = 0; i < m; i++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += a[i * n + j] * v[j];
      for (let j = 0; j < n; j++) a[i * n + j] -= 2 * d * v[j];
    }
  }
}

function unitGaussian(len: number, g: () => number): Float64Array {
  const v = Float64Array.from({ length: len }, () => g());
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * U·diag(s)·Vᵀ with dense orthogonal U, V (products of `reflectors` random Householder reflections
 * each), so the singular values are exactly s (up to float32 rounding of the entries).
 */
export function plantedSpectrum(rows: number, cols: number, s: ArrayLike<number>, seed: number, reflectors = 4): Matrix {
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < Math.min(rows, cols, s.length); i++) a[i * cols + i] = s[i];
  const g = normalSource(seed);
  for (let r = 0; r < reflectors; r++) {
    reflect(a, rows, cols, unitGaussian(rows, g), 'left');
    reflect(a, rows, cols, unitGaussian(cols, g), 'right');
  }
  return { rows, cols, data: Float32Array.from(a) };
}

/** Pareto(α) draws above xmin: density ∝ x^(−α). */
export function paretoSample(count: number, alpha: number, xmin: number, seed: number): Float64Array {
  const u = uniformSource(seed);
  return Float64Array.from({ length: count }, () => xmin * Math.pow(1 - u(), -1 / (alpha - 1)));
}

/** W + θ·u·vᵀ for unit u (Gaussian direction) and a unit v localised on the first `support` coordinates. */
export function withLocalisedSpike(W: Matrix, theta: number, support: number, seed: number): { matrix: Matrix; v: Float64Array } {
  const g = normalSource(seed);
  const u = unitGaussian(W.rows, g);
  const head = unitGaussian(support, g);
  const v = new Float64Array(W.cols);
  v.set(head);
  const data = Float32Array.from(W.data);
  for (let i = 0; i < W.rows; i++) for (let j = 0; j < support; j++) data[i * W.cols + j] += theta * u[i] * v[j];
  return { matrix: { rows: W.rows, cols: W.cols, data }, v };
}
