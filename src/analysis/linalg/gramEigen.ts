// Eigen-decomposition of the smaller Gram matrix of W (W·Wᵀ when W is wide, Wᵀ·W when tall), the
// shared first step of singular values, singular vectors and the pseudo-inverse. The Gram matrix is
// accumulated in float64 over slices of W's long dimension: products of float32 values are exact
// in float64, so the Gram matrix carries no rounding beyond the sums.
import { JobContext, throwIfCancelled } from '../jobs';
import { Matrix, Matrix64 } from './matrix';
import { eigh } from './eigh';
import { reductionSessions, ReductionSessions, f64Tensor } from './reductionGraphs';
import { checkShape, checkFinite } from './symmetricInput';
import type { Engine } from '../engine/engine';
import { memoryMark } from './memoryMarks';

export interface GramOptions extends JobContext {
  engine?: Engine;
}

export interface GramEigen {
  /** 'rows': G = W·Wᵀ (m×m, W wide or square); 'cols': G = Wᵀ·W (n×n, W tall). */
  side: 'rows' | 'cols';
  /** Ascending eigenvalues of G, i.e. squared singular values of W. */
  values: Float64Array;
  vectors?: Matrix64;
  sessions: ReductionSessions;
}

/** Float64 bytes of one slice of W (at most a sixteenth of the engine's budget). */
const SLICE_BYTES = 128 * 1024 * 1024;
/** Row blocks of the Gram matrix per slice: the lower triangle costs (k + 1)/(2k) of the full product. */
const GRAM_BLOCKS = 8;
/** Orders below this are one block: the product is too small for the split to pay. */
const GRAM_SPLIT_MIN = 512;

export function gramSide(W: Matrix): 'rows' | 'cols' {
  return W.rows <= W.cols ? 'rows' : 'cols';
}

/**
 * G = W·Wᵀ (W wide) or Wᵀ·W (W tall) in float64, accumulated over slices of W's long dimension.
 * Each slice is copied to float64 as X (g × slice, one row per Gram row: W's columns for a tall W,
 * so that X's rows are the vectors whose dot products G holds), and G's lower triangle gets X's
 * row blocks against the rows above them (float64 ORT Gemms, X·Xᵀ by blocks); the upper triangle is
 * mirrored at the end, so G is exactly symmetric. Memory: G (8g² bytes), X and one block's product
 * (at most 8g²/GRAM_BLOCKS); no product of the whole slice and no per-slice G-sized result.
 */
export async function gramMatrix(W: Matrix, sessions: ReductionSessions, ctx: GramOptions = {}): Promise<Matrix64> {
  const side = gramSide(W);
  const g = side === 'rows' ? W.rows : W.cols;
  const long = side === 'rows' ? W.cols : W.rows;
  const G = new Float64Array(g * g);
  if (g === 0 || long === 0) return { rows: g, cols: g, data: G };
  const sliceBytes = Math.min(SLICE_BYTES, (ctx.engine?.memoryBudgetBytes ?? Infinity) / 16);
  const step = Math.min(long, Math.max(1, Math.floor(sliceBytes / (8 * g))));
  const blocks = g < GRAM_SPLIT_MIN ? 1 : GRAM_BLOCKS;
  const height = Math.ceil(g / blocks);
  const X = new Float64Array(g * step);
  const product = new Float64Array(height * g);
  const data = W.data as Float32Array;
  for (let s = 0; s < long; s += step) {
    throwIfCancelled(ctx.signal);
    const e = Math.min(long, s + step);
    const width = e - s;
    if (side === 'rows') for (let p = 0; p < g; p++) X.set(data.subarray(p * long + s, p * long + e), p * width);
    else transposeSlice(data, g, s, width, X);
    for (let c0 = 0; c0 < g; c0 += height) {
      const c1 = Math.min(g, c0 + height);
      const out = product.subarray(0, (c1 - c0) * c1);
      // Rows c0..c1 of X against rows 0..c1: the block's part of the lower triangle (and its diagonal block).
      await sessions.productNT.run(
        { A: f64Tensor(X.subarray(c0 * width, c1 * width), c1 - c0, width), B: f64Tensor(X.subarray(0, c1 * width), c1, width) },
        { out: f64Tensor(out, c1 - c0, c1) },
      );
      for (let i = c0; i < c1; i++) {
        const row = i * g;
        const from = (i - c0) * c1;
        for (let j = 0; j <= i; j++) G[row + j] += out[from + j];
      }
    }
  }
  for (let i = 0; i < g; i++) for (let j = 0; j < i; j++) G[j * g + i] = G[i * g + j];
  return { rows: g, cols: g, data: G };
}

/** X[p·width + t] = W[(s + t)·g + p] for p < g, t < width (rows s.. of a tall W, transposed), tiled. */
function transposeSlice(W: Float32Array, g: number, s: number, width: number, X: Float64Array): void {
  const TILE = 64;
  for (let t0 = 0; t0 < width; t0 += TILE) {
    const t1 = Math.min(width, t0 + TILE);
    for (let p0 = 0; p0 < g; p0 += TILE) {
      const p1 = Math.min(g, p0 + TILE);
      for (let t = t0; t < t1; t++) {
        const src = (s + t) * g;
        for (let p = p0; p < p1; p++) X[p * width + t] = W[src + p];
      }
    }
  }
}

export async function gramEigen(W: Matrix, what: string, vectors: boolean, opts: GramOptions = {}): Promise<GramEigen> {
  checkShape(W, what);
  if (!(W.data instanceof Float32Array)) throw new Error(`${what}: expects a float32 Matrix`);
  checkFinite(W, what);
  const threads = opts.engine?.info.threads;
  const sessions = await reductionSessions(typeof threads === 'number' && threads > 0 ? threads : undefined);
  const side = gramSide(W);
  if (W.rows === 0 || W.cols === 0) {
    const g = side === 'rows' ? W.rows : W.cols;
    return { side, values: new Float64Array(g), vectors: vectors ? identity(g) : undefined, sessions };
  }
  memoryMark('gram');
  // The Gram matrix is nobody else's: the reduction works in it, and it is gone once reduced.
  const eig = await eigh(await gramMatrix(W, sessions, opts), {
    vectors,
    overwrite: true,
    engine: opts.engine,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  return { side, values: eig.values, vectors: eig.vectors, sessions };
}

function identity(n: number): Matrix64 {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { rows: n, cols: n, data };
}
