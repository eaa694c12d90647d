/**
 * The DOCS hot loop: for X (n×m) and Y (n×m'), the row maxima and column maxima of |C| where
 * C = XnᵀYn is the m×m' matrix of cosines between columns of X and columns of Y.
 *
 * The inverse column norms are computed once (columnNormalize.ts); each block of C is then one
 * ORT run: Gemm(transA) on the raw columns, scaled by the two inverse-norm vectors, Abs, and
 * ReduceMax along both axes. Scaling C instead of writing normalised copies of X and Y saves two
 * passes over the n×m inputs (measured: normalising a 14336×4096 matrix costs ~0.6 s, its norms
 * ~0.06 s). Only one block of C ever exists, and JS touches just the short vectors of block maxima.
 * The block size comes from the engine's memory budget; when all of C fits (the usual case: a
 * 4096×4096 block is 128 MiB of working memory) there is one block and no slicing at all;
 * otherwise the graph slices the blocks' columns out of X and Y itself.
 */
import * as ort from 'onnxruntime-node';
import type { Matrix } from '../../linalg/matrix';
import { throwIfCancelled, type JobContext } from '../../jobs';
import type { Engine } from '../engine';
import { GraphBuilder } from '../graph';
import { inverseColumnNorms } from './columnNormalize';

export interface MaxAbsCosineOptions extends JobContext {
  /** Rows of C (columns of X) per block; chosen from the memory budget when absent. */
  blockRows?: number;
  /** Columns of C (columns of Y) per block; chosen from the memory budget when absent. */
  blockCols?: number;
}

export interface MaxAbsCosineResult {
  /** rowMax[j] = max_k |cos(X_j, Y_k)|, length X.cols. */
  rowMax: Float32Array;
  /** colMax[k] = max_j |cos(X_j, Y_k)|, length Y.cols. */
  colMax: Float32Array;
  /** How many blocks of C were computed. */
  blocks: number;
  blockRows: number;
  blockCols: number;
}

/** Working memory per element of a block of C: two live fp32 buffers (an op's input and output). */
const BYTES_PER_BLOCK_ELEMENT = 8;
/** Never plan with less than this, even when the budget is set lower. */
const MIN_BUDGET_BYTES = 64 * 1024 * 1024;

/** |C| scaled by the inverse norms, reduced along both axes; `sliced` takes column ranges of X and Y. */
function buildBlockGraph(sliced: boolean): Uint8Array {
  const g = new GraphBuilder(sliced ? 'max_abs_cosine_block' : 'max_abs_cosine');
  let x = g.input('x', 'float32', ['n', 'm']);
  let y = g.input('y', 'float32', ['n', 'mp']);
  const rx = g.input('rx', 'float32', ['bx', 1]);
  const ry = g.input('ry', 'float32', ['by']);
  if (sliced) {
    const axis = g.int64s([1]);
    x = g.op('Slice', [x, g.input('x0', 'int64', [1]), g.input('x1', 'int64', [1]), axis]);
    y = g.op('Slice', [y, g.input('y0', 'int64', [1]), g.input('y1', 'int64', [1]), axis]);
  }
  const dots = g.op('Gemm', [x, y], { transA: 1 });
  const c = g.op('Abs', [g.op('Mul', [g.op('Mul', [dots, rx]), ry])]);
  g.output(g.op('ReduceMax', [c, g.int64s([1])], { keepdims: 0 }), 'float32', { as: 'row_max' });
  g.output(g.op('ReduceMax', [c, g.int64s([0])], { keepdims: 0 }), 'float32', { as: 'col_max' });
  return g.toBytes();
}

/**
 * Block sizes for an m×m' cosine matrix with inner size n under the engine's budget: all of C if
 * it fits, else near-square blocks, each costing 8 bytes per element of C plus the two sliced
 * column blocks (4·n·(rows + cols) bytes).
 */
export function planBlocks(engine: Engine, n: number, m: number, mPrime: number): { blockRows: number; blockCols: number } {
  const budget = Math.max(MIN_BUDGET_BYTES, engine.memoryBudgetBytes);
  if (BYTES_PER_BLOCK_ELEMENT * m * mPrime <= budget) return { blockRows: Math.max(1, m), blockCols: Math.max(1, mPrime) };
  const e = BYTES_PER_BLOCK_ELEMENT,
    s = 4 * n;
  // Largest square side b with e·b² + 2·s·b ≤ budget.
  const side = Math.max(1, Math.floor((-2 * s + Math.sqrt(4 * s * s + 4 * e * budget)) / (2 * e)));
  let blockRows = Math.min(m, side),
    blockCols = Math.min(mPrime, side);
  // One side may be short (few columns): give the rest of the budget to the other side.
  if (blockRows < side) blockCols = Math.min(mPrime, Math.max(1, Math.floor((budget - s * blockRows) / (e * blockRows + s))));
  else if (blockCols < side) blockRows = Math.min(m, Math.max(1, Math.floor((budget - s * blockCols) / (e * blockCols + s))));
  return { blockRows, blockCols };
}

export async function maxAbsCosine(engine: Engine, x: Matrix, y: Matrix, opts: MaxAbsCosineOptions = {}): Promise<MaxAbsCosineResult> {
  if (x.rows !== y.rows) throw new Error(`maxAbsCosine: X and Y must have columns of the same length (X is ${x.rows}×${x.cols}, Y is ${y.rows}×${y.cols})`);
  const n = x.rows,
    m = x.cols,
    mPrime = y.cols;
  const rowMax = new Float32Array(m);
  const colMax = new Float32Array(mPrime);
  const plan = planBlocks(engine, n, m, mPrime);
  const blockRows = Math.min(m, positive(opts.blockRows, 'blockRows') ?? plan.blockRows);
  const blockCols = Math.min(mPrime, positive(opts.blockCols, 'blockCols') ?? plan.blockCols);
  if (m === 0 || mPrime === 0 || n === 0) return { rowMax, colMax, blocks: 0, blockRows, blockCols };

  throwIfCancelled(opts.signal);
  const rx = await inverseColumnNorms(engine, x);
  const ry = x === y ? rx : await inverseColumnNorms(engine, y);
  const xt = new ort.Tensor('float32', x.data, [n, m]);
  const yt = x === y ? xt : new ort.Tensor('float32', y.data, [n, mPrime]);
  const sliced = blockRows < m || blockCols < mPrime;
  const bound = (v: number) => new ort.Tensor('int64', BigInt64Array.of(BigInt(v)), [1]);

  const total = Math.ceil(m / blockRows) * Math.ceil(mPrime / blockCols);
  let done = 0;
  for (let r0 = 0; r0 < m; r0 += blockRows) {
    const rows = Math.min(blockRows, m - r0);
    for (let c0 = 0; c0 < mPrime; c0 += blockCols) {
      throwIfCancelled(opts.signal);
      const cols = Math.min(blockCols, mPrime - c0);
      const feeds: Record<string, ort.Tensor> = {
        x: xt,
        y: yt,
        rx: new ort.Tensor('float32', rx.subarray(r0, r0 + rows), [rows, 1]),
        ry: new ort.Tensor('float32', ry.subarray(c0, c0 + cols), [cols]),
      };
      if (sliced) Object.assign(feeds, { x0: bound(r0), x1: bound(r0 + rows), y0: bound(c0), y1: bound(c0 + cols) });
      // Block maxima land directly in the result when the block covers all of C.
      const rowOut = sliced ? new Float32Array(rows) : rowMax,
        colOut = sliced ? new Float32Array(cols) : colMax;
      await engine.run(`maxAbsCosine:${sliced ? 'sliced' : 'whole'}`, () => buildBlockGraph(sliced), feeds, {
        row_max: new ort.Tensor('float32', rowOut, [rows]),
        col_max: new ort.Tensor('float32', colOut, [cols]),
      });
      if (sliced) {
        for (let i = 0; i < rows; i++) if (rowOut[i] > rowMax[r0 + i]) rowMax[r0 + i] = rowOut[i];
        for (let k = 0; k < cols; k++) if (colOut[k] > colMax[c0 + k]) colMax[c0 + k] = colOut[k];
      }
      opts.onProgress?.({ done: ++done, total, message: 'cosine blocks' });
    }
  }
  // fp32 rounding can put |cos(x, x)| a few ulps above 1; the exact value is 1.
  for (let i = 0; i < m; i++) rowMax[i] = Math.min(1, rowMax[i]);
  for (let k = 0; k < mPrime; k++) colMax[k] = Math.min(1, colMax[k]);
  return { rowMax, colMax, blocks: total, blockRows, blockCols };
}

function positive(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new Error(`maxAbsCosine: ${name} must be a positive integer, got ${v}`);
  return v;
}
