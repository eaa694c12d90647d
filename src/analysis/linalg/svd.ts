// Singular values and vectors of a weight matrix through the eigen-decomposition of its smaller Gram
// matrix (gramEigen.ts): σᵢ = √λᵢ, the Gram side's eigenvectors are that side's singular vectors,
// and the other side's follow as Wᵀ·u/σ (or W·v/σ). Squaring costs accuracy only for σ below
// about √(n·ε₆₄)·σ_max ≈ 1e-6·σ_max, far under the float32 resolution of the weights themselves.
import { JobContext, throwIfCancelled } from '../jobs';
import { Matrix, Matrix64 } from './matrix';
import { gramEigen, gramEigenBytes, GramOptions, matrixOf, shapeOf, type GramEigen, type GramInput } from './gramEigen';
import { budgetLeft, MIN_KERNEL_BUDGET_BYTES } from '../jobs/memoryBudget';
import { f64Tensor, mixedProduct, type ReductionSessions } from './reductionGraphs';
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
  const gramSideVectors = leadingVectors(eig, k);
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
 * The leading k eigenvectors of the Gram matrix (largest eigenvalues last in ascending order) as a
 * g×k matrix, i.e. that side's singular vectors in descending order; all of them by reversing each
 * row in place (no second g×g array: 512 MB at g = 8192).
 */
function leadingVectors(eig: GramEigen, k: number): Float64Array {
  const g = eig.values.length;
  const all = eig.vectors as Matrix64;
  const out = k === g ? all.data : new Float64Array(g * k);
  for (let r = 0; r < g; r++) {
    if (k === g) out.subarray(r * g, r * g + g).reverse();
    else for (let i = 0; i < k; i++) out[r * k + i] = all.data[r * g + (g - 1 - i)];
  }
  return out;
}

/**
 * Receives the leading singular vectors of one side a block at a time: columns 0..count−1 of
 * `block` (len × block.cols, row-major, block.cols ≥ count) are the vectors of s[first..first+count−1].
 * The block is valid during the call only (its array is reused for the next block).
 */
export type VectorBlockSink = (block: Matrix64, first: number, count: number) => void;

/** Bytes of one slice of W cast to float64 for the other side's products (at most a quarter of what is left). */
const OTHER_SLICE_BYTES = 128 * 1024 * 1024;
/** Slices of W's long dimension are at least this many rows or columns (fewer products under a tiny budget). */
const MIN_SLICE = 32;
/** Blocks are at least this many vectors (at most 2 MB of them at 70B shapes). */
const MIN_WIDTH = 8;

/**
 * Singular values of W and the leading `count(s)` singular vectors of one side, handed to `onBlock`
 * rather than returned: the Gram side's in one block (they are the decomposition's eigenvectors),
 * the other side's (Wᵀ·u/σ for a wide W, W·v/σ for a tall one) a column block at a time, so that
 * only one block of them is ever in memory (all of a 70B down_proj's right vectors are 28672 × 8192
 * float64, 1.75 GiB). The block width comes from the engine's memory budget (vectorBlockPlan);
 * each block's product runs over float64 slices of W's long dimension. Every vector equals the
 * corresponding column of svd()'s (the same products up to the order of their float64 sums, the
 * same normalisation). Only vectors whose σ the Gram route
 * resolves (above √ε₆₄·σ_max) can be handed out this way: svd() completes the others against all
 * previous columns. W comes as for svd(); returns s and the Gram side's vectors' array (g² float64,
 * dead to this function), which a caller may reuse.
 */
export async function svdVectorBlocks(
  input: GramInput,
  side: 'left' | 'right',
  count: (s: Float64Array) => number,
  onBlock: VectorBlockSink,
  opts: GramOptions = {},
): Promise<{ s: Float64Array; spare: Float64Array }> {
  const eig = await gramEigen(input, 'svd', true, opts);
  const s = descendingRoots(eig.values);
  const g = eig.values.length;
  const k = count(s);
  if (!Number.isInteger(k) || k < 0 || k > g) throw new Error(`svd: the vector count must be an integer between 0 and ${g}, got ${k}`);
  memoryMark('svd: vectors');
  const gramVectors = leadingVectors(eig, g);
  if ((eig.side === 'rows') === (side === 'left')) {
    if (k > 0) onBlock({ rows: g, cols: g, data: gramVectors }, 0, k);
    return { s, spare: gramVectors };
  }
  if (k === 0) return { s, spare: gramVectors };
  const tiny = Math.sqrt(2.220446049250313e-16) * s[0];
  if (!(s[k - 1] > tiny)) throw new Error(`svd: singular vector ${k - 1} (σ = ${s[k - 1]}) is below what the Gram route resolves; use svd()`);
  memoryMark('svd: other side');
  if ('reread' in input && !input.matrix) input.matrix = await input.reread();
  const W = matrixOf(input, 'svd');
  const len = eig.side === 'rows' ? W.cols : W.rows;
  const plan = vectorBlockPlan(opts.engine, W.data.byteLength, g, len, k);
  const X = new Float64Array(g * plan.slice);
  const out = new Float64Array(len * plan.width);
  // The Gram side's columns of one block, contiguous (not needed when one block takes all g).
  const columns = plan.width === g ? undefined : new Float64Array(g * plan.width);
  for (let c0 = 0; c0 < k; c0 += plan.width) {
    throwIfCancelled(opts.signal);
    const width = Math.min(plan.width, k - c0);
    memoryMark(`svd: other side, vectors ${c0}–${c0 + width - 1} of ${k}`);
    let B = gramVectors;
    if (columns) {
      B = columns.subarray(0, g * width);
      for (let r = 0; r < g; r++) B.set(gramVectors.subarray(r * g + c0, r * g + c0 + width), r * width);
    }
    const block = out.subarray(0, len * width);
    await otherSideProduct(eig.sessions, eig.side, W, B, width, X, plan.slice, block);
    for (let i = 0; i < width; i++) {
      if (!unitColumn(block, len, width, i)) throw new Error(`svd: W·v of singular vector ${c0 + i} (σ = ${s[c0 + i]}) is zero; use svd()`);
    }
    onBlock({ rows: len, cols: width, data: block }, c0, width);
  }
  return { s, spare: gramVectors };
}

/**
 * Slice length of W's long dimension and block width (vectors per block) for the other side's
 * vectors of an order-g decomposition, given the engine's budget and the bytes of W. Held
 * meanwhile: W, and the decomposition's peak memory (gramEigenBytes, the Gram side's vectors
 * included): what the eigen-decomposition freed, its WASM instances and work buffers, is not all
 * returned before garbage collection runs (≈ 0.85 GiB beside the vectors at g = 8192). Of what is
 * left (budgetLeft: at least 64 MiB, or a 32nd of a smaller budget), X (g × slice float64) takes
 * at most a quarter, the block (len × width) and the Gram side's columns for it (g × width) the
 * rest; one block of all k vectors when it fits (without a copy of the columns then, when k = g),
 * at least MIN_WIDTH vectors.
 */
export function vectorBlockPlan(engine: Engine | undefined, wBytes: number, g: number, len: number, k: number): { slice: number; width: number } {
  const budget = engine?.memoryBudgetBytes ?? Infinity;
  const left = engine ? budgetLeft(engine, wBytes + gramEigenBytes(g, true), Math.min(MIN_KERNEL_BUDGET_BYTES, budget / 32)).memoryBudgetBytes : Infinity;
  const slice = Math.min(len, Math.max(MIN_SLICE, Math.floor(Math.min(OTHER_SLICE_BYTES, left / 4) / (8 * g))));
  const rest = left - 8 * g * slice;
  if (8 * len * k <= rest && k === g) return { slice, width: k };
  return { slice, width: Math.min(k, Math.max(MIN_WIDTH, Math.floor(rest / (8 * (len + g))))) };
}

/**
 * out (len × width) ← Wᵀ·B (W wide, g × len) or W·B (W tall, len × g) for B g × width, over slices
 * of W's long dimension cast to float64 in X: rows r0..r1 of out are X's slice against B, written
 * in place (a float32 → float64 cast is exact, so this is the product of svd()'s mixed Gemm).
 */
async function otherSideProduct(
  sessions: ReductionSessions,
  side: 'rows' | 'cols',
  W: Matrix,
  B: Float64Array,
  width: number,
  X: Float64Array,
  slice: number,
  out: Float64Array,
): Promise<void> {
  const g = side === 'rows' ? W.rows : W.cols;
  const len = side === 'rows' ? W.cols : W.rows;
  const data = W.data as Float32Array;
  const Bt = f64Tensor(B, g, width);
  for (let r0 = 0; r0 < len; r0 += slice) {
    const r1 = Math.min(len, r0 + slice);
    const t = r1 - r0;
    const x = X.subarray(0, g * t);
    const target = { out: f64Tensor(out.subarray(r0 * width, r1 * width), t, width) };
    if (side === 'rows') {
      // X = W[:, r0..r1] (g × t); out rows = Xᵀ·B.
      for (let p = 0; p < g; p++) x.set(data.subarray(p * len + r0, p * len + r1), p * t);
      await sessions.productTN.run({ A: f64Tensor(x, g, t), B: Bt }, target);
    } else {
      // X = W[r0..r1, :] (t × g); out rows = X·B.
      x.set(data.subarray(r0 * g, r1 * g));
      await sessions.productNN.run({ A: f64Tensor(x, t, g), B: Bt }, target);
    }
  }
}

/**
 * Column i of a row-major len × stride array scaled to unit length; false when its norm is zero
 * (nothing to scale).
 */
function unitColumn(x: Float64Array, len: number, stride: number, i: number): boolean {
  let norm = 0;
  for (let r = 0; r < len; r++) norm += x[r * stride + i] ** 2;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) return false;
  for (let r = 0; r < len; r++) x[r * stride + i] /= norm;
  return true;
}

/**
 * Columns of W·v (or Wᵀ·u) scaled to unit length. A column whose σ is negligible (below
 * √ε₆₄·σ_max, where the Gram route cannot resolve it) carries no direction from W: it is replaced by
 * a unit vector orthogonal to all previous columns, so the result stays orthonormal.
 */
function normaliseColumns(x: Float64Array, len: number, k: number, s: Float64Array): Float64Array {
  const tiny = Math.sqrt(2.220446049250313e-16) * (s[0] ?? 0);
  for (let i = 0; i < k; i++) {
    if (!(s[i] > tiny && unitColumn(x, len, k, i))) completeColumn(x, len, k, i);
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
