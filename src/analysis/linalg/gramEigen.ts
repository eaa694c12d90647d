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
  /**
   * At least g² float64 entries to accumulate the Gram matrix in instead of a fresh array: a
   * caller's buffer that is dead by then (its contents are overwritten). A fresh 512 MB array at
   * g = 8192 would wait for garbage collection to take the place of the old one.
   */
  into?: Float64Array;
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

/**
 * Bytes the eigen-decomposition of an order-g Gram matrix holds at its peak beyond W (an estimate
 * for deciding what else may stay in memory): the Gram matrix and stage one's work buffers for the
 * values; with vectors, at the top merge of divide and conquer, the vectors, the rank-one problem's
 * K² vectors and their half copy, and both stages' reflectors (eigh.ts).
 */
export function gramEigenBytes(g: number, vectors: boolean): number {
  return (vectors ? 4 : 1.5) * 8 * g * g;
}

export function gramSide(W: { rows: number; cols: number }): 'rows' | 'cols' {
  return W.rows <= W.cols ? 'rows' : 'cols';
}

/**
 * A matrix handed over so that the decomposition can let go of it: gramEigen empties `matrix` once
 * the Gram matrix is formed, and whoever needs W again afterwards reads it back with `reread`. A
 * box, because V8 keeps an async function's locals, dead or not, alive across its awaits: a W
 * passed down as an argument stays in memory (940 MB for 28672 × 8192) through the whole
 * decomposition however early its last use.
 */
export interface MatrixBox {
  matrix?: Matrix;
  /** The same matrix again (the same read path, the same values). */
  reread: () => Promise<Matrix>;
}

/**
 * W's shape and its Gram matrix, formed already (formGram): decomposed (and overwritten) as it is,
 * for a caller that needed W for something else after forming it (rand_distance's shuffle).
 */
export interface FormedGram {
  rows: number;
  cols: number;
  gram: Matrix64;
}

/** What a Gram eigen-decomposition starts from: W, W in a box, or its Gram matrix already formed. */
export type GramInput = Matrix | MatrixBox | FormedGram;

/** W itself, or what the box holds (an error once it has been let go, or when only its Gram matrix was given). */
export function matrixOf(input: GramInput, what: string): Matrix {
  if ('gram' in input) throw new Error(`${what}: needs the matrix itself, not only its Gram matrix`);
  if (!('reread' in input)) return input;
  if (!input.matrix) throw new Error(`${what}: the matrix was let go and must be read again first`);
  return input.matrix;
}

/** W's shape (a new object: a caller keeping it does not keep W). */
export function shapeOf(input: GramInput, what: string): { rows: number; cols: number } {
  if ('gram' in input) return { rows: input.rows, cols: input.cols };
  const W = matrixOf(input, what);
  return { rows: W.rows, cols: W.cols };
}

/**
 * The float64 Gram matrix of W (given or boxed), emptying the box. W is this function's only
 * reference from then on, gone when it returns.
 */
async function gramOf(input: Matrix | MatrixBox, what: string, sessions: ReductionSessions, ctx: GramOptions): Promise<Matrix64> {
  const W = matrixOf(input, what);
  if ('reread' in input) input.matrix = undefined;
  return gramMatrix(W, sessions, ctx);
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
  const G = ctx.into && ctx.into.length >= g * g ? ctx.into.subarray(0, g * g).fill(0) : new Float64Array(g * g);
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

/** Shape checks of W (given or boxed); its shape. */
function checkedShape(input: GramInput, what: string): { rows: number; cols: number } {
  if ('gram' in input) {
    const g = Math.min(input.rows, input.cols);
    if (input.gram.rows !== g || input.gram.cols !== g)
      throw new Error(`${what}: a ${input.rows}×${input.cols} matrix has a ${g}×${g} Gram matrix, got ${input.gram.rows}×${input.gram.cols}`);
    return { rows: input.rows, cols: input.cols };
  }
  const W = matrixOf(input, what);
  checkShape(W, what);
  if (!(W.data instanceof Float32Array)) throw new Error(`${what}: expects a float32 Matrix`);
  checkFinite(W, what);
  return { rows: W.rows, cols: W.cols };
}

/**
 * Eigen-decomposition of W's Gram matrix. W may come in a box (MatrixBox), which is emptied once
 * the Gram matrix is formed, so that W's memory can be reclaimed during the decomposition.
 */
export async function gramEigen(input: GramInput, what: string, vectors: boolean, opts: GramOptions = {}): Promise<GramEigen> {
  const shape = checkedShape(input, what);
  const sessions = await sessionsFor(opts.engine);
  const side = gramSide(shape);
  if (shape.rows === 0 || shape.cols === 0) {
    const g = side === 'rows' ? shape.rows : shape.cols;
    return { side, values: new Float64Array(g), vectors: vectors ? identity(g) : undefined, sessions };
  }
  if (!('gram' in input)) memoryMark('gram');
  // The Gram matrix is nobody else's: the reduction works in it, and it is gone once reduced.
  const eig = await eigh('gram' in input ? input.gram : await gramOf(input, what, sessions, opts), {
    vectors,
    overwrite: true,
    engine: opts.engine,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  return { side, values: eig.values, vectors: eig.vectors, sessions };
}

function sessionsFor(engine: Engine | undefined): Promise<ReductionSessions> {
  const threads = engine?.info.threads;
  return reductionSessions(typeof threads === 'number' && threads > 0 ? threads : undefined);
}

/**
 * W's Gram matrix formed now and decomposed later (gramEigen of the FormedGram), the same product
 * gramEigen would form; W stays where it is (a box is not emptied).
 */
export async function formGram(input: Matrix | MatrixBox, what: string, opts: GramOptions = {}): Promise<FormedGram> {
  const shape = checkedShape(input, what);
  memoryMark('gram');
  return { ...shape, gram: await gramMatrix(matrixOf(input, what), await sessionsFor(opts.engine), opts) };
}

function identity(n: number): Matrix64 {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { rows: n, cols: n, data };
}
