/**
 * Per-vector int8 quantization of unit vectors for the integer DOCS screen (int8MaxAbsCosine.ts),
 * with the norms its rigorous error bound needs.
 *
 * Each row x of an m×n matrix (one compared vector per row, as normalizedColumns() stores them) is
 * split as
 *   x = a + b + e,   a = s·q,   b = t·p,   t = s / 254,
 * with s = fp32(max|x_i| / 127), q = round(x / s) ∈ [−127, 127] (level 1), p = round((x − a) / t)
 * ∈ [−127, 127] (level 2: |x − a| ≤ s/2, so |p| ≤ 127), and e the rest. The fixed ratio t = s/254
 * makes both cross terms of the product share one scale, so the level-2 correction is a single
 * integer product (see int8MaxAbsCosine.ts). Level 1 alone (fast mode) is x = a + r, r = b + e.
 *
 * The operands are laid out as onnxruntime's MatMulInteger takes them: the left side as uint8 with
 * zero point 128 (q + 128), the right side as int8, transposed (MatMulInteger has no transB).
 * The arithmetic runs in float64 (int8QuantizeRows.ts, and for quantizedVectors' one-level copy the
 * WASM kernels of int8QuantizeWasm.ts, to the same bits), in row blocks: a float32 times an integer
 * below 2⁸ is exact in float64, and so is x − s·q. Every norm is rounded up by (n + 16)·2⁻⁵² relative, which covers float64 summation of n squares in
 * any order, and b's by an absolute slack for t = s/254 being rounded.
 *
 * Done once per layer and reused by every pair the layer is in (quantizedRows caches it).
 */
import * as ort from 'onnxruntime-node';
import { scaleRowsToUnit, type Matrix } from '../../linalg/matrix';
import type { Engine } from '../engine';
import { columnNormalize } from './columnNormalize';
import { buildInt8TransposeGraph, LEVEL2_RATIO } from './int8Graphs';
import { quantizeRowRange, type QuantizeTargets } from './int8QuantizeRows';
import { MAX_WASM_WEIGHTS, quantizeLevel1, type Level1Copy } from './int8QuantizeWasm';

export { LEVEL2_RATIO } from './int8Graphs';
/**
 * Largest vector length n for which the level-2 product (2n terms) stays within int32 even before
 * the zero point is subtracted (terms (q + 128)·q′ up to 255·127): 33 155, so Llama-3-70B's 28 672
 * fits and longer vectors take the float32 path.
 */
export const MAX_INT8_INNER = Math.floor((2 ** 31 - 1) / (2 * 255 * 127));

/** Values quantized between two yields to the event loop (about 10–30 ms of work). */
const QUANTIZE_BLOCK_VALUES = 1 << 21;

export interface QuantizedRows {
  /** Vectors (rows of the source matrix). */
  m: number;
  /** Their length. */
  n: number;
  levels: 1 | 2;
  /** q + 128, m×n uint8: the left operand of the level-1 product. */
  qA: Uint8Array;
  /** qᵀ, n×m int8: the right operand of the level-1 product. */
  qB: Int8Array;
  /** [q + 128 | p + 128], m×2n uint8: the left operand of the level-2 product (levels = 2). */
  qpA?: Uint8Array;
  /** [pᵀ ; qᵀ], 2n×m int8: the right operand of the level-2 product (levels = 2). */
  pqB?: Int8Array;
  /** s per vector (exactly the fp32 value the graphs multiply by). */
  scale: Float32Array;
  /** ‖x‖. */
  norm: Float64Array;
  /** ‖a‖ = ‖s·q‖. */
  normA: Float64Array;
  /** ‖x − a‖ (level 1's residual r). */
  normR: Float64Array;
  /** ‖b‖ = ‖t·p‖ (levels = 2). */
  normB?: Float64Array;
  /** ‖a + b‖ (levels = 2). */
  normAB?: Float64Array;
  /** ‖e‖ = ‖x − a − b‖ (levels = 2). */
  normE?: Float64Array;
}

/** int8 `src` (rows×cols) transposed into `dst` (cols×rows), by onnxruntime. */
async function transposeInt8(engine: Engine, src: Int8Array, rows: number, cols: number, dst: Int8Array): Promise<void> {
  await engine.run(
    'int8Docs:transpose',
    buildInt8TransposeGraph,
    { x: new ort.Tensor('int8', src, [rows, cols]) },
    { y: new ort.Tensor('int8', dst, [cols, rows]) },
  );
}

/** Quantizes every row of `x` (m×n) at one or two levels; a row holding NaN or Inf is refused. */
export function quantizeRows(engine: Engine, x: Matrix, levels: 1 | 2): Promise<QuantizedRows> {
  return quantizeRowBlocks(engine, x.rows, x.cols, levels, (r0) => ({ values: x.data, firstRow: r0 }));
}

/**
 * Rows r0 … r1 − 1 of the vectors to quantize, as rows `firstRow` … of `values` (the matrix itself,
 * or a block buffer filled for the call and valid until the next).
 */
export type RowBlockSource = (r0: number, r1: number) => { values: Float32Array; firstRow: number };

/** quantizeRows over m vectors of length n that `source` hands over block by block. */
export async function quantizeRowBlocks(engine: Engine, m: number, n: number, levels: 1 | 2, source: RowBlockSource): Promise<QuantizedRows> {
  if (n > MAX_INT8_INNER) throw new Error(`int8 DOCS: vectors of length ${n} are longer than the ${MAX_INT8_INNER} an int32 product can hold`);
  const two = levels === 2;
  const q = new Int8Array(m * n),
    qA = new Uint8Array(m * n);
  const p = two ? new Int8Array(m * n) : undefined,
    pA = two ? new Uint8Array(m * n) : undefined;
  const scale = new Float32Array(m);
  const f64 = () => new Float64Array(m);
  const targets: QuantizeTargets = { scale, q, qa: qA, sx: f64(), sa: f64(), sr: f64(), ...(p && pA ? { p, pa: pA, sb: f64(), sab: f64(), se: f64() } : {}) };
  const block = Math.max(1, Math.floor(QUANTIZE_BLOCK_VALUES / Math.max(1, n)));
  for (let r0 = 0; r0 < m; r0 += block) {
    // A block is a few milliseconds of synchronous work: yield between blocks so that a cancel or a progress message is not held up.
    if (r0 > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const r1 = Math.min(m, r0 + block);
    const { values, firstRow } = source(r0, r1);
    quantizeRowRange(values, n, r0, r1, targets, LEVEL2_RATIO, firstRow);
  }
  const sums = targets as Required<QuantizeTargets>;
  const { norm, normA, normR, of } = normsOf(n, scale, sums.sx, sums.sa, sums.sr);
  // t is s/254 rounded to float64 and b is t·p exactly: at most 127·s·2⁻⁵³ per
  // element, covered by an absolute slack of s·1e-14·√n.
  const tSlack = 1e-14 * Math.sqrt(n);
  const qB = new Int8Array(two ? 2 * n * m : n * m);
  let pqB: Int8Array | undefined, qpA: Uint8Array | undefined;
  if (p && pA) {
    // [pᵀ ; qᵀ]: the level-1 right operand is its second half.
    pqB = qB;
    await transposeInt8(engine, p, m, n, pqB.subarray(0, n * m));
    await transposeInt8(engine, q, m, n, pqB.subarray(n * m));
    qpA = new Uint8Array(m * 2 * n);
    for (let j = 0; j < m; j++) {
      qpA.set(qA.subarray(j * n, (j + 1) * n), j * 2 * n);
      qpA.set(pA.subarray(j * n, (j + 1) * n), j * 2 * n + n);
    }
  } else await transposeInt8(engine, q, m, n, qB);
  return {
    m,
    n,
    levels,
    qA,
    qB: two ? qB.subarray(n * m) : qB,
    qpA,
    pqB,
    scale,
    norm,
    normA,
    normR,
    ...(two ? { normB: of(sums.sb, tSlack), normAB: of(sums.sab, tSlack), normE: of(sums.se, tSlack) } : {}),
  };
}

/**
 * ‖x‖, ‖a‖, ‖r‖ from their float64 sums of squares, each rounded up to stay an upper bound, and
 * `of` for the level-2 ones (plus an absolute slack times s); a vector whose ‖x‖² is not finite
 * (it holds NaN or Inf) is refused.
 */
function normsOf(n: number, scale: Float32Array, sx: Float64Array, sa: Float64Array, sr: Float64Array) {
  const bad = sx.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`int8 DOCS: vector ${bad} holds a NaN or Inf`);
  // Summation of n nonnegative float64 terms in any order: relative error below (n − 1)·2⁻⁵³.
  const up = 1 + (n + 16) * 2 ** -52;
  const of = (v: Float64Array, slack = 0) => Float64Array.from(v, (ss, j) => Math.sqrt(ss) * up + slack * scale[j]);
  return { norm: of(sx), normA: of(sa), normR: of(sr), of };
}

/** QuantizedRows of the one-level copy made by quantizeLevel1 (int8QuantizeWasm.ts). */
function fromLevel1(c: Level1Copy): QuantizedRows {
  const { norm, normA, normR } = normsOf(c.n, c.scale, c.sx, c.sa, c.sr);
  return { m: c.m, n: c.n, levels: 1, qA: c.qA, qB: c.qB, scale: c.scale, norm, normA, normR };
}

const cache = new WeakMap<Matrix, Promise<QuantizedRows>>();

/**
 * quantizeRows, cached per matrix object (the whole-model job keeps one normalised matrix per
 * layer and compares it with many others). A two-level entry also serves one-level requests.
 */
export async function quantizedRows(engine: Engine, x: Matrix, levels: 1 | 2): Promise<QuantizedRows> {
  const known = cache.get(x);
  if (x.data.length < x.rows * x.cols && !(known && (await known).levels >= levels))
    throw new Error(`int8 DOCS: only a ${known ? (await known).levels : 0}-level int8 copy of these vectors was kept, and ${levels} levels were asked for`);
  if (known && (await known).levels >= levels) return known;
  const q = quantizeRows(engine, x, levels);
  q.catch(() => cache.delete(x));
  cache.set(x, q);
  return q;
}

/**
 * The unit vectors of a weight matrix quantized without keeping a float32 copy of them: its rows
 * (`side` 'rows', as normalizedRows scales them) or its columns ('columns', as normalizedColumns).
 * One level (fast DOCS) is made by the WASM kernels straight from the weight (int8QuantizeWasm.ts,
 * up to its MAX_WASM_WEIGHTS); two levels normalise rows block by block into a small buffer, or
 * columns by columnNormalize into a transient transposed copy, and quantize that. Either way the
 * values quantized are exactly those of normalizedRows / normalizedColumns. Returns an m×n stand-in whose data is empty, registered with
 * quantizedRows' cache, so the DOCS kernels find the copy; the float32 path and a request for more
 * levels than were kept are refused on it.
 */
export async function quantizedVectors(engine: Engine, w: Matrix, side: 'rows' | 'columns', levels: 1 | 2): Promise<Matrix> {
  const [m, n] = side === 'columns' ? [w.cols, w.rows] : [w.rows, w.cols];
  if (n > MAX_INT8_INNER) throw new Error(`int8 DOCS: vectors of length ${n} are longer than the ${MAX_INT8_INNER} an int32 product can hold`);
  let q: Promise<QuantizedRows>;
  if (levels === 1 && m * n <= MAX_WASM_WEIGHTS) q = quantizeLevel1(w, side).then(fromLevel1);
  else if (side === 'columns') q = columnNormalize(engine, w, { transpose: true }).then((normalized) => quantizeRows(engine, normalized, levels));
  else {
    const block = Math.max(1, Math.floor(QUANTIZE_BLOCK_VALUES / Math.max(1, n)));
    const buffer = new Float32Array(Math.min(m, block) * n);
    // The values of normalizedRows (the same function), a block at a time.
    q = quantizeRowBlocks(engine, m, n, levels, (r0, r1) => {
      scaleRowsToUnit(w, r0, r1, buffer, 0);
      return { values: buffer, firstRow: 0 };
    });
  }
  const stand: Matrix = { rows: m, cols: n, data: new Float32Array(0) };
  cache.set(stand, q);
  await q;
  return stand;
}
