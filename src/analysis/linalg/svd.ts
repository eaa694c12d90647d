// Singular values and vectors of a weight matrix through the eigen-decomposition of its smaller Gram
// matrix (gramEigen.ts): σᵢ = √λᵢ, the Gram side's eigenvectors are that side's singular vectors,
// and the other side's follow as Wᵀ·u/σ (or W·v/σ). Squaring costs accuracy only for σ below
// about √(n·ε₆₄)·σ_max ≈ 1e-6·σ_max, far under the float32 resolution of the weights themselves.
import { JobContext } from '../jobs';
import { Matrix64 } from './matrix';
import { gramEigen, GramOptions, matrixOf, shapeOf, type GramInput } from './gramEigen';
import { mixedProduct } from './reductionGraphs';
import type { Engine } from '../engine/engine';
import { memoryMark } from './memoryMarks';

export interface SvdOptions extends JobContext {
  engine?: Engine;
  /** Left singular vectors U (m×k). */
  left?: boolean;
  /** Right singular vectors V (n×k). */
  right?: boolean;
  /** Number of leading singular triplets for U and V (default min(m, n)). */
  k?: number;
}

export interface SvdResult {
  /** All min(m, n) singular values, descending. */
  s: Float64Array;
  /** m×k, column i the left singular vector of s[i]. */
  U?: Matrix64;
  /** n×k, column i the right singular vector of s[i]. */
  V?: Matrix64;
}

/** Singular values of W (given, boxed to be let go of, or as its formed Gram matrix: gramEigen.ts), descending, length min(m, n). */
export async function singularValues(W: GramInput, opts: GramOptions = {}): Promise<Float64Array> {
  const { values } = await gramEigen(W, 'singularValues', false, opts);
  return descendingRoots(values);
}

/** √λ in descending order; tiny negative λ (rounding around a zero singular value) become 0. */
function descendingRoots(values: Float64Array): Float64Array {
  const n = values.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.sqrt(Math.max(0, values[n - 1 - i]));
  return s;
}

/**
 * W given, boxed or as its formed Gram matrix (gramEigen.ts). A box is let go of during the
 * decomposition, and when the other side's vectors need W afterwards it is read back into the box
 * (where the caller finds it); a formed Gram matrix gives the Gram side's vectors only.
 */
export async function svd(input: GramInput, opts: SvdOptions = {}): Promise<SvdResult> {
  const { rows, cols } = shapeOf(input, 'svd');
  const p = Math.min(rows, cols);
  const k = opts.k ?? p;
  if (!Number.isInteger(k) || k < 0 || k > p) throw new Error(`svd: k must be an integer between 0 and ${p} for a ${rows}×${cols} matrix, got ${opts.k}`);
  const wantVectors = opts.left === true || opts.right === true;
  const gramOpts: GramOptions = { engine: opts.engine, signal: opts.signal, onProgress: opts.onProgress };
  const eig = await gramEigen(input, 'svd', wantVectors, gramOpts);
  const s = descendingRoots(eig.values);
  if (!wantVectors) return { s };
  memoryMark('svd: vectors');
  const g = eig.values.length; // order of the Gram matrix, = min(m, n)
  const all = eig.vectors as Matrix64;
  // Leading k eigenvectors (largest eigenvalues last in ascending order), as a g×k matrix; all of
  // them by reversing each row in place (no second g×g array: 512 MB at g = 8192).
  const gramSideVectors = k === g ? all.data : new Float64Array(g * k);
  for (let r = 0; r < g; r++) {
    if (k === g) gramSideVectors.subarray(r * g, r * g + g).reverse();
    else for (let i = 0; i < k; i++) gramSideVectors[r * k + i] = all.data[r * g + (g - 1 - i)];
  }
  const gramSide: Matrix64 = { rows: g, cols: k, data: gramSideVectors };
  const otherWanted = eig.side === 'rows' ? opts.right : opts.left;
  let other: Matrix64 | undefined;
  if (otherWanted) {
    memoryMark('svd: other side');
    if ('reread' in input && !input.matrix) input.matrix = await input.reread();
    const W = matrixOf(input, 'svd');
    // W wide ('rows'): V = Wᵀ·U·Σ⁻¹; W tall ('cols'): U = W·V·Σ⁻¹.
    const len = eig.side === 'rows' ? W.cols : W.rows;
    const raw =
      eig.side === 'rows'
        ? await mixedProduct(eig.sessions, 'tn', W.data, W.rows, W.cols, gramSideVectors, g, k)
        : await mixedProduct(eig.sessions, 'nn', W.data, W.rows, W.cols, gramSideVectors, g, k);
    other = { rows: len, cols: k, data: normaliseColumns(raw, len, k, s) };
  }
  return eig.side === 'rows'
    ? { s, U: opts.left ? gramSide : undefined, V: opts.right ? other : undefined }
    : { s, U: opts.left ? other : undefined, V: opts.right ? gramSide : undefined };
}

/**
 * Columns of W·v (or Wᵀ·u) scaled to unit length. A column whose σ is negligible (below
 * √ε₆₄·σ_max, where the Gram route cannot resolve it) carries no direction from W: it is replaced by
 * a unit vector orthogonal to all previous columns, so the result stays orthonormal.
 */
function normaliseColumns(x: Float64Array, len: number, k: number, s: Float64Array): Float64Array {
  const tiny = Math.sqrt(2.220446049250313e-16) * (s[0] ?? 0);
  for (let i = 0; i < k; i++) {
    let norm = 0;
    for (let r = 0; r < len; r++) norm += x[r * k + i] ** 2;
    norm = Math.sqrt(norm);
    if (s[i] > tiny && norm > 0) {
      for (let r = 0; r < len; r++) x[r * k + i] /= norm;
    } else {
      completeColumn(x, len, k, i);
    }
  }
  return x;
}

/** Column i ← a unit vector orthogonal to columns 0..i−1 (Gram–Schmidt, twice, from e_j's). */
function completeColumn(x: Float64Array, len: number, k: number, i: number): void {
  for (let j = 0; j < len; j++) {
    const c = new Float64Array(len);
    c[(i + j) % len] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < i; q++) {
        let d = 0;
        for (let r = 0; r < len; r++) d += x[r * k + q] * c[r];
        for (let r = 0; r < len; r++) c[r] -= d * x[r * k + q];
      }
    }
    let norm = 0;
    for (let r = 0; r < len; r++) norm += c[r] * c[r];
    norm = Math.sqrt(norm);
    if (norm > 0.5) {
      for (let r = 0; r < len; r++) x[r * k + i] = c[r] / norm;
      return;
    }
  }
  throw new Error(`svd: cannot complete an orthonormal basis of dimension ${len} with ${i + 1} vectors`);
}
