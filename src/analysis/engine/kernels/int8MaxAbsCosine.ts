/**
 * Row and column maxima of |cos| between two sets of unit vectors (rows of xt, m×n, and of yt,
 * m'×n, as normalizedColumns() stores them) on the CPU's integer matrix units, in two modes:
 *
 * 'exact' — an int8 screen with a rigorous error bound, then exact refinement. With the two-level
 * split of int8Quantize.ts, x = a + b + e and y = a' + b' + e', the screen computes
 *   v = a·a' + a·b' + b·a' = s s' (q·q' + (q·p' + p·q') / 254)
 * (two MatMulInteger products, inner lengths n and 2n), and
 *   x·y − v = b·b' + (a + b)·e' + e·y,
 * so by Cauchy–Schwarz
 *   |x·y − v| ≤ ‖b‖‖b'‖ + ‖a + b‖‖e'‖ + ‖e‖‖y‖ + γ (‖a‖ + ‖b‖)(‖a'‖ + ‖b'‖) =: ε,
 * the last term covering the float32 arithmetic that forms v from the exact int32 products (seven
 * roundings of terms bounded by (‖a‖+‖b‖)(‖a'‖+‖b'‖); γ = 8·2⁻²⁴). For row j, ε_j = max_k ε_jk
 * (the norms factor, so it is a handful of products). The true row maximum is at least
 * max_k |v_jk| − ε_j, and an entry can reach it only if |v_jk| + ε_j ≥ max_k |v_jk| − ε_j: those
 * candidates (and the column ones, alike) are recomputed as float64 sums of the float32 inputs, and
 * their maximum is the row's maximum. Non-candidates are provably below it. C is screened in row
 * blocks; a column's candidates in a later block must also reach the exact maximum found so far
 * less the bound. A block whose candidates are too many to refine cheaply (near-ties on a large
 * scale) is recomputed in float32.
 *
 * 'fast' — the level-1 product alone, v = s s' q·q', no refinement. Its maxima are within
 *   ε_jk = ‖r‖‖y‖ + ‖a‖‖r'‖ + γ₁‖a‖‖a'‖   (x·y − v = r·y + a·r', r = x − a, γ₁ = 4·2⁻²⁴)
 * of the true ones, reported as the largest and mean bound over the maxima.
 *
 * The integer products are exact only if MatMulInteger does not saturate: int8Calibration.ts checks
 * that on worst-case operands before this path is chosen.
 */
import * as ort from 'onnxruntime-node';
import type { Matrix } from '../../linalg/matrix';
import { throwIfCancelled, type JobContext } from '../../jobs';
import type { Engine } from '../engine';
import { buildFloat32BlockGraph, buildInt8FastGraph, buildInt8ScreenGraph } from './int8Graphs';
import { quantizedRows, type QuantizedRows } from './int8Quantize';

export type Int8Mode = 'exact' | 'fast';

export interface Int8MaxAbsCosineOptions extends JobContext {
  mode?: Int8Mode;
  /** Rows of C per block (tests); chosen from the memory budget when absent. */
  blockRows?: number;
}

export interface Int8MaxAbsCosineResult {
  rowMax: Float32Array;
  colMax: Float32Array;
  /** Entries of C recomputed exactly after the screen (exact mode). */
  refined: number;
  /** Entries of C (m·m'). */
  entries: number;
  /** Blocks recomputed in float32 because their candidates were too many (exact mode). */
  float32Blocks: number;
  /**
   * Bound on |reported maximum − true maximum| over every row and column maximum: 0 in exact mode
   * (up to the float32 rounding of the stored maxima), the integer product's bound in fast mode.
   */
  maxErrorBound: number;
  /** Mean of that bound over the maxima. */
  meanErrorBound: number;
}

const U = 2 ** -24;
const GAMMA_EXACT = 8 * U;
const GAMMA_FAST = 4 * U;
/** Working bytes per element of a screen block: int32 products, float32 casts and sums, the mask. */
export const SCREEN_BYTES_PER_ELEMENT = 28;
const MIN_BUDGET_BYTES = 64 * 1024 * 1024;
const BLOCK_VALUE_BYTES = 8 * 1024 * 1024;
/** A margin far beyond any real one: zero vectors (cosine 0 with everything) are never candidates. */
const NEVER = -3e38;

function maxOf(v: Float64Array): number {
  let m = 0;
  for (const x of v) if (x > m) m = x;
  return m;
}

/** Per-vector bounds ε_j = max_k ε_jk for the rows of `x` against all of `y` (and vice versa by swapping). */
function exactBounds(x: QuantizedRows, y: QuantizedRows): Float64Array {
  const [xb, xab, xe] = [x.normB, x.normAB, x.normE] as Float64Array[];
  const maxB = maxOf(y.normB as Float64Array),
    maxE = maxOf(y.normE as Float64Array),
    maxN = maxOf(y.norm);
  let maxW = 0;
  for (let k = 0; k < y.m; k++) maxW = Math.max(maxW, y.normA[k] + (y.normB as Float64Array)[k]);
  const out = new Float64Array(x.m);
  for (let j = 0; j < x.m; j++) out[j] = xb[j] * maxB + xab[j] * maxE + xe[j] * maxN + GAMMA_EXACT * (x.normA[j] + xb[j]) * maxW;
  return out;
}

/** Fast mode's ε_j = max_k (‖r_j‖‖y_k‖ + ‖a_j‖‖r_k‖ + γ₁‖a_j‖‖a_k‖), rows of x against y; `swap` gives the columns'. */
function fastBounds(x: QuantizedRows, y: QuantizedRows, swap: boolean): Float64Array {
  const maxN = maxOf(y.norm),
    maxR = maxOf(y.normR),
    maxA = maxOf(y.normA);
  const out = new Float64Array(x.m);
  // ε is not symmetric in its two sides (r·y + a·r'): for the columns, x is the right-hand vector.
  for (let j = 0; j < x.m; j++)
    out[j] = swap
      ? x.normR[j] * maxA + x.norm[j] * maxR + GAMMA_FAST * x.normA[j] * maxA
      : x.normR[j] * maxN + x.normA[j] * maxR + GAMMA_FAST * x.normA[j] * maxA;
  return out;
}

/** The screen's margin 2ε (inflated to cover the float32 subtraction and comparison), or NEVER for a zero vector. */
function margins(bounds: Float64Array, q: QuantizedRows): Float32Array {
  return Float32Array.from(bounds, (e, j) => (q.norm[j] > 0 ? 2 * e * (1 + 1e-6) + 4 * U : NEVER));
}

/** Σ x_i y_i in float64 of rows j of xt and k of yt (products of float32 values are exact in float64). */
function dot64(x: Float32Array, xo: number, y: Float32Array, yo: number, n: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
    s2 += x[xo + i + 2] * y[yo + i + 2];
    s3 += x[xo + i + 3] * y[yo + i + 3];
  }
  for (; i < n; i++) s0 += x[xo + i] * y[yo + i];
  return s0 + s1 + s2 + s3;
}

/**
 * Rows of C per block: about 8 MiB per float32 value of the block (at least 64 rows), so that the
 * screen's elementwise passes run from cache rather than memory (measured at 8192×8192: 256-row
 * blocks 15–20 % faster than one block, 128-row blocks slower again), and within the budget.
 */
export function screenBlockRows(budgetBytes: number, m: number, mPrime: number): number {
  const budget = Math.max(MIN_BUDGET_BYTES, budgetBytes);
  const inBudget = Math.floor(budget / (SCREEN_BYTES_PER_ELEMENT * Math.max(1, mPrime)));
  const cached = Math.max(64, Math.floor(BLOCK_VALUE_BYTES / (4 * Math.max(1, mPrime))));
  return Math.max(1, Math.min(m, inBudget, cached));
}

export async function int8MaxAbsCosine(engine: Engine, xt: Matrix, yt: Matrix, opts: Int8MaxAbsCosineOptions = {}): Promise<Int8MaxAbsCosineResult> {
  if (xt.cols !== yt.cols) throw new Error(`int8 DOCS: the compared vectors differ in length (${xt.cols} and ${yt.cols})`);
  const mode = opts.mode ?? 'exact';
  const n = xt.cols,
    m = xt.rows,
    mPrime = yt.rows;
  const levels = mode === 'exact' ? 2 : 1;
  const qx = await quantizedRows(engine, xt, levels),
    qy = await quantizedRows(engine, yt, levels);
  const boundRows = mode === 'exact' ? exactBounds(qx, qy) : fastBounds(qx, qy, false);
  const boundCols = mode === 'exact' ? exactBounds(qy, qx) : fastBounds(qy, qx, true);
  const rowMax = new Float32Array(m),
    colMax = new Float32Array(mPrime);
  const result: Int8MaxAbsCosineResult = { rowMax, colMax, refined: 0, entries: m * mPrime, float32Blocks: 0, maxErrorBound: 0, meanErrorBound: 0 };
  if (m === 0 || mPrime === 0 || n === 0) return result;

  const blockRows = Math.max(1, Math.min(m, opts.blockRows ?? screenBlockRows(engine.memoryBudgetBytes, m, mPrime)));
  const b1 = new ort.Tensor('int8', qy.qB, [n, mPrime]);
  const b2 = mode === 'exact' ? new ort.Tensor('int8', qy.pqB as Int8Array, [2 * n, mPrime]) : undefined;
  const sb = new ort.Tensor('float32', qy.scale, [mPrime]);
  const mc = mode === 'exact' ? new ort.Tensor('float32', margins(boundCols, qy), [mPrime]) : undefined;
  const marginRows = mode === 'exact' ? margins(boundRows, qx) : undefined;
  // Exact values, for the refined maxima (float64 until stored).
  const exactRow = new Float64Array(m),
    exactCol = new Float64Array(mPrime);
  const colPart = new Float32Array(mPrime),
    colFloor = new Float32Array(mPrime);
  for (let r0 = 0; r0 < m; r0 += blockRows) {
    throwIfCancelled(opts.signal);
    const rows = Math.min(blockRows, m - r0);
    const feeds: Record<string, ort.Tensor> = {
      a1: new ort.Tensor('uint8', qx.qA.subarray(r0 * n, (r0 + rows) * n), [rows, n]),
      b1,
      sa: new ort.Tensor('float32', qx.scale.subarray(r0, r0 + rows), [rows, 1]),
      sb,
    };
    const rowPart = mode === 'fast' ? rowMax.subarray(r0, r0 + rows) : new Float32Array(rows);
    const outputs: Record<string, ort.Tensor> = {
      row_max: new ort.Tensor('float32', rowPart, [rows]),
      col_max: new ort.Tensor('float32', colPart, [mPrime]),
    };
    if (mode === 'fast') {
      await engine.run('int8Docs:fast', buildInt8FastGraph, feeds, outputs);
      for (let k = 0; k < mPrime; k++) if (colPart[k] > colMax[k]) colMax[k] = colPart[k];
      continue;
    }
    // Exact column maxima found so far, less their bound: later blocks refine only entries that can
    // beat them. After a float32 block, less float32's worst-case rounding (n·2⁻²⁴ for unit vectors) too.
    const floorSlack = 8 * U + (result.float32Blocks > 0 ? (n + 2) * U : 0);
    for (let k = 0; k < mPrime; k++) colFloor[k] = exactCol[k] > 0 ? exactCol[k] - boundCols[k] * (1 + 1e-6) - floorSlack : -1;
    Object.assign(feeds, {
      cf: new ort.Tensor('float32', colFloor, [mPrime]),
      a2: new ort.Tensor('uint8', (qx.qpA as Uint8Array).subarray(r0 * 2 * n, (r0 + rows) * 2 * n), [rows, 2 * n]),
      b2,
      mr: new ort.Tensor('float32', (marginRows as Float32Array).subarray(r0, r0 + rows), [rows]),
      mc,
    });
    // The mask in a buffer that a Float64Array can view: 8 flags tested at once while scanning.
    const maskBytes = new Uint8Array(new ArrayBuffer(Math.ceil((rows * mPrime) / 8) * 8));
    outputs.mask = new ort.Tensor('bool', maskBytes.subarray(0, rows * mPrime), [rows, mPrime]);
    await engine.run('int8Docs:screen', buildInt8ScreenGraph, feeds, outputs);
    const words = new Float64Array(maskBytes.buffer);
    let count = 0;
    for (let w = 0; w < words.length; w++) if (words[w] !== 0) for (let b = w * 8; b < w * 8 + 8; b++) count += maskBytes[b];
    // Refining costs count·n scalar multiply-adds in JS; recomputing the block costs rows·m'·n in
    // the float32 GEMM, some hundred times faster per operation.
    if (count > Math.max(4 * (rows + mPrime), (rows * mPrime) / 128)) {
      await float32Block(engine, xt, yt, r0, rows, exactRow, exactCol);
      result.float32Blocks++;
      continue;
    }
    result.refined += count;
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue;
      for (let idx = w * 8; idx < Math.min(w * 8 + 8, rows * mPrime); idx++) {
        if (!maskBytes[idx]) continue;
        const j = r0 + Math.floor(idx / mPrime),
          k = idx - Math.floor(idx / mPrime) * mPrime;
        const c = Math.abs(dot64(xt.data, j * n, yt.data, k * n, n));
        if (c > exactRow[j]) exactRow[j] = c;
        if (c > exactCol[k]) exactCol[k] = c;
      }
    }
  }
  if (mode === 'exact') {
    for (let j = 0; j < m; j++) rowMax[j] = exactRow[j];
    for (let k = 0; k < mPrime; k++) colMax[k] = exactCol[k];
  } else {
    let sum = 0,
      max = 0;
    for (const b of [boundRows, boundCols])
      for (const e of b) {
        sum += e;
        max = Math.max(max, e);
      }
    result.maxErrorBound = max;
    result.meanErrorBound = sum / (m + mPrime);
  }
  // fp32 rounding can put |cos(x, x)| a few ulps above 1; the exact value is 1.
  for (let j = 0; j < m; j++) rowMax[j] = Math.min(1, rowMax[j]);
  for (let k = 0; k < mPrime; k++) colMax[k] = Math.min(1, colMax[k]);
  return result;
}

/** Rows r0…r0+rows of C in float32 (the float32 path's graph), merged into the maxima. */
async function float32Block(engine: Engine, xt: Matrix, yt: Matrix, r0: number, rows: number, rowMax: Float64Array, colMax: Float64Array): Promise<void> {
  const n = xt.cols,
    mPrime = yt.rows;
  const rowOut = new Float32Array(rows),
    colOut = new Float32Array(mPrime);
  await engine.run(
    'docs:normalizedBlock',
    buildFloat32BlockGraph,
    { a: new ort.Tensor('float32', xt.data.subarray(r0 * n, (r0 + rows) * n), [rows, n]), b: new ort.Tensor('float32', yt.data, [mPrime, n]) },
    { row_max: new ort.Tensor('float32', rowOut, [rows]), col_max: new ort.Tensor('float32', colOut, [mPrime]) },
  );
  for (let i = 0; i < rows; i++) rowMax[r0 + i] = Math.max(rowMax[r0 + i], rowOut[i]);
  for (let k = 0; k < mPrime; k++) colMax[k] = Math.max(colMax[k], colOut[k]);
}
