/**
 * Reductions of a product M = AᵀB (A n×d, B n×d') without forming M when that is cheaper
 * (methods.md §2): sum(M) = (A·1)ᵀ(B·1), tr(M) = Σ A⊙B, ‖M‖²_F = Σ (AAᵀ)⊙(BBᵀ). The first two
 * are O(n·d) and run in float64 JS; the Frobenius norm takes two n×n Gram matrices when n is small
 * (per-head slices: n = head_dim ≪ d) and otherwise M itself, block by block under the memory
 * budget, reduced in float64 inside the graph. From these, cc(M, I) (Pearson correlation of M with
 * the identity) follows in closed form.
 */
import * as ort from 'onnxruntime-node';
import type { Matrix } from '../../linalg/matrix';
import { throwIfCancelled, type JobContext } from '../../jobs';
import type { Engine } from '../engine';
import { GraphBuilder, onnxType } from '../graph';

export interface TraceProducts {
  /** M is rows×cols = A.cols × B.cols. */
  rows: number;
  cols: number;
  sum: number;
  /** ‖M‖²_F. */
  sumSquares: number;
  /** tr(M); NaN when M is not square. */
  trace: number;
  /** Pearson correlation of flattened M with the identity; NaN when M is not square or constant. */
  ccIdentity: number;
  /** Which way ‖M‖²_F was computed. */
  path: 'gram' | 'product';
}

export interface TraceProductOptions extends JobContext {
  /** Force a path (tests); by default the one with fewer multiply-adds. */
  path?: 'gram' | 'product';
  /** Rows of M per block on the product path; from the memory budget when absent. */
  blockRows?: number;
}

function buildGramFrobenius(): Uint8Array {
  const g = new GraphBuilder('frobenius_by_grams');
  const a = g.input('a', 'float32', ['n', 'd']);
  const b = g.input('b', 'float32', ['n', 'e']);
  const toDouble = (v: string) => g.op('Cast', [v], { to: onnxType('float64') });
  const ga = toDouble(g.op('Gemm', [a, a], { transB: 1 }));
  const gb = toDouble(g.op('Gemm', [b, b], { transB: 1 }));
  g.output(g.op('ReduceSum', [g.op('Mul', [ga, gb])], { keepdims: 0 }), 'float64', { as: 's' });
  return g.toBytes();
}

function buildProductBlockFrobenius(): Uint8Array {
  const g = new GraphBuilder('frobenius_by_product');
  const at = g.input('at', 'float32', ['bx', 'n']);
  const b = g.input('b', 'float32', ['n', 'e']);
  const m = g.op('Cast', [g.op('MatMul', [at, b])], { to: onnxType('float64') });
  g.output(g.op('ReduceSumSquare', [m], { keepdims: 0 }), 'float64', { as: 's' });
  return g.toBytes();
}

/** Bytes of one block of M on the product path (see productFrobenius). */
const MAX_BLOCK_BYTES = 128 * 2 ** 20;

/** ‖AᵀB‖²_F by Gram matrices from Aᵀ (d×n) as given: A·Aᵀ = (Aᵀ)ᵀ·Aᵀ. */
function buildGramFrobeniusOfTransposed(): Uint8Array {
  const g = new GraphBuilder('frobenius_by_grams_at');
  const at = g.input('at', 'float32', ['d', 'n']);
  const b = g.input('b', 'float32', ['n', 'e']);
  const toDouble = (v: string) => g.op('Cast', [v], { to: onnxType('float64') });
  const ga = toDouble(g.op('Gemm', [at, at], { transA: 1 }));
  const gb = toDouble(g.op('Gemm', [b, b], { transB: 1 }));
  g.output(g.op('ReduceSum', [g.op('Mul', [ga, gb])], { keepdims: 0 }), 'float64', { as: 's' });
  return g.toBytes();
}

function buildTranspose(): Uint8Array {
  const g = new GraphBuilder('transpose');
  g.output(g.op('Transpose', [g.input('x', 'float32', ['r', 'c'])], { perm: [1, 0] }), 'float32', { as: 'y' });
  return g.toBytes();
}

export async function traceProducts(engine: Engine, a: Matrix, b: Matrix, opts: TraceProductOptions = {}): Promise<TraceProducts> {
  if (a.rows !== b.rows)
    throw new Error(`traceProducts: M = AᵀB needs A and B with the same number of rows (A is ${a.rows}×${a.cols}, B is ${b.rows}×${b.cols})`);
  const n = a.rows,
    d = a.cols,
    e = b.cols;
  if (n === 0 || d === 0 || e === 0) throw new Error(`traceProducts: empty matrices (A is ${n}×${d}, B is ${n}×${e})`);
  const square = d === e;

  let sum = 0,
    trace = 0;
  for (let i = 0; i < n; i++) {
    let ra = 0,
      rb = 0;
    for (let j = 0; j < d; j++) ra += a.data[i * d + j];
    for (let j = 0; j < e; j++) rb += b.data[i * e + j];
    sum += ra * rb;
    if (square) for (let j = 0; j < d; j++) trace += a.data[i * d + j] * b.data[i * d + j];
  }

  const path = opts.path ?? (n * (d + e) < d * e ? 'gram' : 'product');
  let sumSquares: number;
  if (path === 'gram') {
    const out = await engine.run('traceProducts:gram', buildGramFrobenius, {
      a: new ort.Tensor('float32', a.data, [n, d]),
      b: new ort.Tensor('float32', b.data, [n, e]),
    });
    sumSquares = Number((out.s.data as Float64Array)[0]);
  } else {
    const at = new Float32Array(n * d);
    await engine.run('traceProducts:transpose', buildTranspose, { x: new ort.Tensor('float32', a.data, [n, d]) }, { y: new ort.Tensor('float32', at, [d, n]) });
    sumSquares = await productFrobenius(engine, at, b, n, d, e, 2, opts);
  }
  return finish(d, e, sum, sumSquares, trace, path);
}

/**
 * traceProducts(engine, A, B) with A given as Aᵀ (d×n, row-major): what the MLP measures have in
 * down_proj as stored ([d, ff], with A = Wdᵀ), so that neither they nor the product path transpose
 * it (940 MB at 70B shapes). The same sums, in another order.
 */
export async function traceProductsOfTransposed(engine: Engine, at: Matrix, b: Matrix, opts: TraceProductOptions = {}): Promise<TraceProducts> {
  if (at.cols !== b.rows)
    throw new Error(`traceProducts: M = AᵀB needs A and B with the same number of rows (Aᵀ is ${at.rows}×${at.cols}, B is ${b.rows}×${b.cols})`);
  const n = b.rows,
    d = at.rows,
    e = b.cols;
  if (n === 0 || d === 0 || e === 0) throw new Error(`traceProducts: empty matrices (Aᵀ is ${d}×${n}, B is ${n}×${e})`);
  const square = d === e;
  // Row sums of A are column sums of Aᵀ, accumulated row by row of Aᵀ (sequential reads).
  const ra = new Float64Array(n);
  for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) ra[i] += at.data[j * n + i];
  let sum = 0,
    trace = 0;
  for (let i = 0; i < n; i++) {
    let rb = 0;
    for (let j = 0; j < e; j++) rb += b.data[i * e + j];
    sum += ra[i] * rb;
  }
  if (square) {
    // tr(AᵀB) = Σ A[i, j]·B[i, j] = Σ Aᵀ[j, i]·B[i, j], in tiles so that both stay in cache.
    const TILE = 64;
    for (let j0 = 0; j0 < d; j0 += TILE) {
      const j1 = Math.min(d, j0 + TILE);
      for (let i0 = 0; i0 < n; i0 += TILE) {
        const i1 = Math.min(n, i0 + TILE);
        for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) trace += at.data[j * n + i] * b.data[i * d + j];
      }
    }
  }
  const path = opts.path ?? (n * (d + e) < d * e ? 'gram' : 'product');
  let sumSquares: number;
  if (path === 'gram') {
    const out = await engine.run('traceProducts:gramOfTransposed', buildGramFrobeniusOfTransposed, {
      at: new ort.Tensor('float32', at.data, [d, n]),
      b: new ort.Tensor('float32', b.data, [n, e]),
    });
    sumSquares = Number((out.s.data as Float64Array)[0]);
  } else {
    sumSquares = await productFrobenius(engine, at.data, b, n, d, e, 1, opts);
  }
  return finish(d, e, sum, sumSquares, trace, path);
}

/**
 * cc(M, I) of a square d×d product M whose sum, ‖M‖²_F and trace were accumulated elsewhere (the
 * MLP measures form Wd·Wu in blocks of its inner dimension): the closed form every path here ends with.
 */
export function ccIdentityOfSums(d: number, sum: number, sumSquares: number, trace: number): number {
  return finish(d, d, sum, sumSquares, trace, 'product').ccIdentity;
}

function finish(d: number, e: number, sum: number, sumSquares: number, trace: number, path: TraceProducts['path']): TraceProducts {
  const square = d === e;
  const count = d * e;
  const mean = sum / count;
  const variance = Math.max(0, sumSquares / count - mean * mean);
  const ccIdentity = square && variance > 0 && d > 1 ? (trace / d - mean) / (Math.sqrt(variance) * Math.sqrt(d - 1)) : NaN;
  return { rows: d, cols: e, sum, sumSquares, trace: square ? trace : NaN, ccIdentity, path };
}

/**
 * ‖AᵀB‖²_F from blocks of rows of M, from Aᵀ (d×n, whose row blocks are contiguous). `copiesOfA`:
 * how many n×d float32 arrays of A the caller holds for this call (A and its transpose, or Aᵀ
 * alone), counted against the budget with B.
 */
async function productFrobenius(
  engine: Engine,
  at: Float32Array,
  b: Matrix,
  n: number,
  d: number,
  e: number,
  copiesOfA: number,
  opts: TraceProductOptions,
): Promise<number> {
  // A block of M costs 12 bytes per element (fp32 product + its float64 copy), at most
  // MAX_BLOCK_BYTES: a larger block saves nothing (each re-reads B, n·e, for d·n·e multiply-adds)
  // and leaves less room beside the step's matrices for what garbage collection has not freed yet.
  const budgetBytes = Math.min(MAX_BLOCK_BYTES, engine.memoryBudgetBytes - 4 * n * (copiesOfA * d + e));
  const budgetRows = Math.floor(Math.max(16 * 2 ** 20, budgetBytes) / (12 * e));
  const blockRows = opts.blockRows ?? Math.max(1, Math.min(d, budgetRows));
  const bt = new ort.Tensor('float32', b.data, [n, e]);
  const total = Math.ceil(d / blockRows);
  let s = 0;
  for (let r0 = 0, done = 0; r0 < d; r0 += blockRows) {
    throwIfCancelled(opts.signal);
    const rows = Math.min(blockRows, d - r0);
    const out = await engine.run('traceProducts:product', buildProductBlockFrobenius, {
      at: new ort.Tensor('float32', at.subarray(r0 * n, (r0 + rows) * n), [rows, n]),
      b: bt,
    });
    s += Number((out.s.data as Float64Array)[0]);
    opts.onProgress?.({ done: ++done, total, message: 'product blocks' });
  }
  return s;
}
