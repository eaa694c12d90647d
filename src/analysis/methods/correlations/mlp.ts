/**
 * The MLP measures of one layer (methods.md §2) from gate, up and down read in row blocks:
 * M7 cc(Wg, Wu), cc(Wg, Wdᵀ), cc(Wu, Wdᵀ), cc(pinv(Wu), Wd) and M8 cc(Wd·Wg, I), cc(Wd·Wu, I),
 * cc(Wd·pinv(Wu)ᵀ, I), with up [ff, d], gate [ff, d] and down [d, ff] as stored.
 *
 * Memory at Llama-3-70B shapes (d = 8192, ff = 28672: each matrix 896 MiB as float32, a d×d
 * float64 matrix 512 MiB): no two of the three matrices are ever held whole, and no d×d product.
 * 1. pinv(Wu): the eigen-decomposition G = WuᵀWu = V·Λ·Vᵀ, with up handed over in a box that
 *    gramEigen empties once G is formed; V and Λ are kept (512 MiB).
 * 2. Wd·Wu: for each chunk I of down's rows (read as one block), M[I] = Σ_J Wd[I, J]·Wu[J] over up's
 *    row blocks J (downProduct), and cc(Wu, Wdᵀ) over the same pairs of blocks. Every pinv(Wu)
 *    measure then follows from M[I], V and Λ in closed form, with pinv(Wu)ᵀ = Wu·G⁺ and
 *    G⁺ = V_r·Λ_r⁻¹·V_rᵀ over the kept eigenpairs (never formed): (Wd·pinv(Wu)ᵀ)[I] = M[I]·G⁺,
 *    whose reductions come from Y = M[I]·V (‖M[I]·G⁺‖² = ‖Y_r·Λ_r⁻¹‖² since V_r has orthonormal
 *    columns; tr = Σ_k (VᵀY)_kk/λ_k; sum = Y·Λ⁺·Vᵀ1 summed), and cc(pinv(Wu)ᵀ, Wdᵀ) from
 *    Σxy = tr(Wd·pinv(Wu)ᵀ), Σx = (Wuᵀ1)ᵀ·G⁺·1 and Σx² = ‖pinv(Wu)‖²_F = tr(G⁺·G·G⁺) = Σ_k 1/λ_k.
 * 3. gate: cc(Wg, Wu) over matching row blocks, then Wd·Wg and cc(Wg, Wdᵀ) as in phase 2.
 * The blocks are sized from the memory budget; up and gate are read d / |I| times. Each matrix is
 * checked for NaN/Inf before it is used (up when read whole, down and gate by a pass over blocks).
 * A wide or square up (ff ≤ d: some mixture-of-experts experts) takes pinv(Wu)ᵀ whole instead (it is small)
 * and pairs it with down the same way, as one block.
 */
import type { Engine } from '../../engine/engine';
import { PearsonSums, correlationOfSums } from '../../engine/kernels/pearson';
import { ccIdentityOfSums } from '../../engine/kernels/traceProducts';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { budgetLeft } from '../../jobs/memoryBudget';
import { gramEigen, type MatrixBox } from '../../linalg/gramEigen';
import { transpose, type Matrix } from '../../linalg/matrix';
import { memoryMark } from '../../linalg/memoryMarks';
import { defaultRcond, pinv } from '../../linalg/pinv';
import { f32Tensor, f64Tensor, reductionSessions, type ReductionSessions } from '../../linalg/reductionGraphs';
import { countNonFinite, type WeightFlag } from '../common/nonFinite';
import { M7_MEASURES, M8_MEASURES, MLP_MEASURE_ROLES, type M7Measure, type M8Measure } from './names';
import { matrixRows, type RowSource } from './rowSource';

export interface MlpOptions extends JobContext {
  engine: Engine;
  /** Relative singular-value cutoff of pinv(Wu); pinv's default √(max(m, n)·ε) when absent. */
  rcond?: number;
  /** Rows per block of every streamed step (tests force tiny blocks); from the memory budget when absent. */
  blockRows?: number;
}

export interface MlpSources {
  up: RowSource;
  down: RowSource;
  /** Absent in models without a gated MLP (GPT-2, GPT-NeoX, OPT). */
  gate?: RowSource;
}

export interface MlpResult {
  /** NaN where a measure does not apply (no gate) or is undefined (a constant matrix); null where a matrix it needs holds NaN/Inf. */
  m7: Record<M7Measure, number | null>;
  m8: Record<M8Measure, number | null>;
  /** The flags of up, down and gate, in that order, for those holding NaN/Inf. */
  flags: WeightFlag[];
}

/** Bytes of one block's buffers at most: larger blocks save nothing once the Gemms are this big. */
const MAX_BLOCK_BYTES = 64 * 2 ** 20;

/** Rows per block: `bytesPerRow` each, within half of what the budget leaves beside `held` bytes. */
function rowsPerBlock(opts: MlpOptions, held: number, bytesPerRow: number, total: number): number {
  if (opts.blockRows !== undefined) return Math.max(1, Math.min(total, Math.floor(opts.blockRows)));
  const room = Math.min(MAX_BLOCK_BYTES, budgetLeft(opts.engine, held).memoryBudgetBytes / 2);
  return Math.max(1, Math.min(total, Math.floor(room / bytesPerRow)));
}

function sessionsOf(engine: Engine): Promise<ReductionSessions> {
  const threads = engine.info.threads;
  return reductionSessions(typeof threads === 'number' && threads > 0 ? threads : undefined);
}

export async function mlpMeasures(src: MlpSources, opts: MlpOptions): Promise<MlpResult> {
  const { up, down, gate } = src;
  const ff = up.rows,
    d = up.cols;
  if (down.rows !== d || down.cols !== ff) throw new Error(`down is ${down.rows}×${down.cols} but up is ${ff}×${d}: expected down = [d, ff] for up = [ff, d]`);
  if (gate && (gate.rows !== ff || gate.cols !== d)) throw new Error(`gate is ${gate.rows}×${gate.cols} but up is ${ff}×${d}`);
  if (ff * d < 2) throw new Error(`up is ${ff}×${d}: the MLP measures need at least 2 entries`);
  const rcond = opts.rcond ?? defaultRcond(ff, d);
  if (!Number.isFinite(rcond) || rcond < 0) throw new Error(`pinv: rcond must be a finite number ≥ 0, got ${opts.rcond}`);
  const m7 = Object.fromEntries(M7_MEASURES.map((k) => [k, NaN])) as Record<M7Measure, number | null>;
  const m8 = Object.fromEntries(M8_MEASURES.map((k) => [k, NaN])) as Record<M8Measure, number | null>;
  const flags: WeightFlag[] = [];
  const bad = new Set<'gate' | 'up' | 'down'>();
  const sessions = await sessionsOf(opts.engine);

  // Phase 1: pinv(Wu)'s eigen-decomposition, nothing else held.
  memoryMark('correlations: pinv(Wu)');
  let pinvGram: GramPinv | undefined;
  let pinvT: Matrix | undefined;
  {
    let W: Matrix | undefined = await up.whole();
    const flag = up.flag(W.data);
    if (flag) {
      flags.push(flag);
      bad.add('up');
    } else if (ff > d) {
      // Tall: gramEigen's Gram matrix is WuᵀWu (a square W gets W·Wᵀ, for which these sums do not hold).
      const colSums = columnSums(W);
      // V8 keeps an async function's locals alive across its awaits: only the box may hold W now.
      const box: MatrixBox = { matrix: W, reread: () => up.whole() };
      W = undefined;
      pinvGram = await gramPinv(box, colSums, rcond, opts);
    } else {
      pinvT = transpose(await pinv(W, { engine: opts.engine, rcond, signal: opts.signal }));
    }
    W = undefined;
  }
  throwIfCancelled(opts.signal);

  // Phase 2: down in row chunks I, up in row blocks J under each: Wd·Wu and cc(Wu, Wdᵀ), and
  // pinv(Wu)'s measures from each finished chunk of P = Wd·Wu.
  memoryMark('correlations: Wd·Wu and pinv(Wu) measures');
  const downFlag = await scanFlag(down, opts);
  if (downFlag) {
    flags.push(downFlag);
    bad.add('down');
  } else if (!bad.has('up')) {
    const upDown = new PearsonSums();
    const pinvSums = { sum: 0, sumSquares: 0, trace: 0 };
    const gp = pinvGram;
    m8.down_up = await downProduct(
      down,
      up,
      sessions,
      opts,
      gp ? 8 * d * d : 0,
      upDown,
      gp && ((P, i0, rows, out) => pinvRows(P, i0, rows, gp, sessions, out, pinvSums)),
    );
    m7.up_downT = upDown.value();
    const n = upDown.count;
    if (gp) {
      m7.pinvUp_down = correlationOfSums(n, gp.sum, upDown.meanB * n, pinvSums.trace, gp.sumSquares, upDown.sbb);
      m8.down_pinvUpT = ccIdentityOfSums(d, pinvSums.sum, pinvSums.sumSquares, pinvSums.trace);
    } else if (pinvT) {
      const pinvDown = new PearsonSums();
      m8.down_pinvUpT = await downProduct(down, matrixRows(pinvT), sessions, opts, pinvT.data.byteLength, pinvDown);
      m7.pinvUp_down = pinvDown.value();
    }
  }
  pinvGram = pinvT = undefined;
  up.release();
  throwIfCancelled(opts.signal);

  // Phase 3: gate in row blocks, with up for cc(Wg, Wu), then under down's row chunks as in phase 2.
  if (gate) {
    memoryMark('correlations: gate measures');
    const gateFlag = await scanFlag(gate, opts);
    if (gateFlag) {
      flags.push(gateFlag);
      bad.add('gate');
    } else {
      if (!bad.has('up')) m7.gate_up = await pairedBlocks(gate, up, opts);
      if (!bad.has('down')) {
        const gateDown = new PearsonSums();
        m8.down_gate = await downProduct(down, gate, sessions, opts, 0, gateDown);
        m7.gate_downT = gateDown.value();
      }
    }
    gate.release();
    up.release();
  }
  down.release();

  const has = (role: string) => role !== 'gate' || !!gate;
  for (const group of [m7, m8] as Record<string, number | null>[]) {
    for (const measure of Object.keys(group) as (M7Measure | M8Measure)[]) {
      const roles = MLP_MEASURE_ROLES[measure];
      if (roles.every(has) && roles.some((r) => bad.has(r))) group[measure] = null;
    }
  }
  return { m7, m8, flags };
}

/** The flag of a matrix read in row blocks: read whole (for the flag's counts) only when a block holds NaN/Inf. */
async function scanFlag(src: RowSource, opts: MlpOptions): Promise<WeightFlag | null> {
  const step = rowsPerBlock(opts, 0, 4 * src.cols, src.rows);
  for (let r0 = 0; r0 < src.rows; r0 += step) {
    throwIfCancelled(opts.signal);
    const c = countNonFinite(await src.read(r0, Math.min(src.rows, r0 + step)));
    if (c.nan + c.posInf + c.negInf > 0) return src.flag((await src.whole()).data);
  }
  return null;
}

/** cc(A, B) of two same-shape matrices read in matching row blocks. */
async function pairedBlocks(a: RowSource, b: RowSource, opts: MlpOptions): Promise<number> {
  const sums = new PearsonSums();
  const step = rowsPerBlock(opts, 0, 8 * a.cols, a.rows);
  for (let r0 = 0; r0 < a.rows; r0 += step) {
    throwIfCancelled(opts.signal);
    const r1 = Math.min(a.rows, r0 + step);
    sums.add(await a.read(r0, r1), await b.read(r0, r1));
    await yieldToEventLoop();
  }
  return sums.value();
}

/** Column sums of W in float64 (Wuᵀ·1). */
function columnSums(W: Matrix): Float64Array {
  const { rows, cols, data } = W;
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] += data[i * cols + j];
  return out;
}

/**
 * cc(Wd·B, I) for Wd [d, ff] and B [ff, d], with M = Wd·B formed chunk by chunk of its rows: for
 * each chunk I of Wd's rows (one contiguous read), M[I] = Σ_J Wd[I, J]·B[J] over B's row blocks J,
 * in float64 (the float32 entries are cast inside the Gemm, so each product is exact and only the
 * sums round). M[I] gives its part of sum(M), tr(M) and ‖M‖²_F, and goes to `onChunk` (with a
 * scratch buffer of its size) before the next chunk overwrites it; `pairs` gets every entry of B
 * with its entry of Wdᵀ (cc(B, Wdᵀ)). `held`: bytes the caller keeps beside it, counted against the
 * budget. The memory: one chunk of Wd's rows, M[I] and its scratch, one block of B as float32 and
 * float64; B is read d / |I| times.
 */
async function downProduct(
  down: RowSource,
  b: RowSource,
  sessions: ReductionSessions,
  opts: MlpOptions,
  held: number,
  pairs: PearsonSums,
  onChunk?: (M: Float64Array, i0: number, rows: number, scratch: Float64Array) => Promise<void>,
): Promise<number> {
  const d = down.rows,
    ff = down.cols;
  const left = budgetLeft(opts.engine, held).memoryBudgetBytes;
  const iRows =
    opts.blockRows !== undefined ? Math.max(1, Math.min(d, opts.blockRows)) : clampRows(Math.min(4 * MAX_BLOCK_BYTES, left / 4), 4 * ff + 16 * d, d);
  const jRows =
    opts.blockRows !== undefined ? Math.max(1, Math.min(ff, opts.blockRows)) : clampRows(Math.min(2 * MAX_BLOCK_BYTES, left / 8), 12 * d + 8 * iRows, ff);
  const M = new Float64Array(iRows * d),
    scratch = new Float64Array(iRows * d);
  const a = new Float32Array(iRows * jRows),
    bt = new Float32Array(jRows * iRows),
    b64 = new Float64Array(jRows * d);
  let sum = 0,
    sumSquares = 0,
    trace = 0;
  for (let i0 = 0; i0 < d; i0 += iRows) {
    const i1 = Math.min(d, i0 + iRows),
      rows = i1 - i0;
    const wd = await down.read(i0, i1);
    const m = M.subarray(0, rows * d).fill(0);
    for (let j0 = 0; j0 < ff; j0 += jRows) {
      throwIfCancelled(opts.signal);
      const j1 = Math.min(ff, j0 + jRows),
        width = j1 - j0;
      const block = await b.read(j0, j1);
      // Wd[I, J] and B[J, I]: the Gemm's left factor and the entries they pair with.
      const wdIJ = a.subarray(0, rows * width),
        bJI = bt.subarray(0, width * rows);
      for (let s = 0; s < rows; s++) wdIJ.set(wd.subarray(s * ff + j0, s * ff + j1), s * width);
      for (let t = 0; t < width; t++) bJI.set(block.subarray(t * d + i0, t * d + i1), t * rows);
      pairs.addTransposed(bJI, wdIJ, 0, width, rows, width);
      const bJ = b64.subarray(0, width * d);
      bJ.set(block);
      const out = scratch.subarray(0, rows * d);
      await sessions.mixed.nn.run({ A: f32Tensor(wdIJ, rows, width), B: f64Tensor(bJ, width, d) }, { out: f64Tensor(out, rows, d) });
      for (let k = 0; k < out.length; k++) m[k] += out[k];
      await yieldToEventLoop();
    }
    for (let s = 0; s < rows; s++) {
      trace += m[s * d + i0 + s];
      for (let k = s * d; k < (s + 1) * d; k++) {
        sum += m[k];
        sumSquares += m[k] * m[k];
      }
    }
    if (onChunk) await onChunk(m, i0, rows, scratch);
  }
  return ccIdentityOfSums(d, sum, sumSquares, trace);
}

function clampRows(bytes: number, bytesPerRow: number, total: number): number {
  return Math.max(1, Math.min(total, Math.floor(bytes / bytesPerRow)));
}

/** G⁺ of G = WuᵀWu through its eigenpairs, with the sums of pinv(Wu)ᵀ that need no other matrix. */
interface GramPinv {
  /** Eigenvectors of G, d×d row-major (column k is v_k). */
  vectors: Float64Array;
  /** 1/λ_k for the kept eigenpairs (above rcond²·λ_max), 0 for the others. */
  inverse: Float64Array;
  /** (Vᵀ1)_k / λ_k: the weights of sum(P·G⁺) = 1ᵀ·P·V·Λ⁺·Vᵀ·1. */
  onesWeights: Float64Array;
  /** Σ of pinv(Wu)ᵀ's entries: (Wuᵀ1)ᵀ·G⁺·1. */
  sum: number;
  /** ‖pinv(Wu)‖²_F = tr(G⁺) = Σ_k 1/λ_k (G⁺·G·G⁺ = G⁺). */
  sumSquares: number;
}

/** Same route and cutoff as linalg/pinv.ts: eigenvalues at most rcond²·λ_max (or not positive) count as zero. */
async function gramPinv(box: MatrixBox, colSums: Float64Array, rcond: number, opts: MlpOptions): Promise<GramPinv> {
  const eig = await gramEigen(box, 'pinv', true, { engine: opts.engine, signal: opts.signal });
  const values = eig.values;
  const g = values.length;
  const vectors = eig.vectors!.data;
  const cutoff = rcond * rcond * (g > 0 ? values[g - 1] : 0);
  const inverse = new Float64Array(g);
  for (let k = 0; k < g; k++) if (values[k] > cutoff && values[k] > 0) inverse[k] = 1 / values[k];
  const ones = new Float64Array(g),
    cols = new Float64Array(g);
  for (let i = 0; i < g; i++)
    for (let k = 0; k < g; k++) {
      ones[k] += vectors[i * g + k];
      cols[k] += vectors[i * g + k] * colSums[i];
    }
  let sum = 0,
    sumSquares = 0;
  const onesWeights = new Float64Array(g);
  for (let k = 0; k < g; k++) {
    onesWeights[k] = ones[k] * inverse[k];
    sum += cols[k] * onesWeights[k];
    sumSquares += inverse[k];
  }
  return { vectors, inverse, onesWeights, sum, sumSquares };
}

/**
 * Rows i0 … i0+rows of P·G⁺ (= Wd·pinv(Wu)ᵀ) from P's rows, added to `into`: Y = P[I]·V, then
 * ‖(P·G⁺)[I]‖² = ‖Y_r·Λ_r⁻¹‖², its trace part Σ_i Σ_k V[i, k]·Y[i, k]/λ_k and its sum Σ Y·(Vᵀ1)/λ.
 */
async function pinvRows(
  P: Float64Array,
  i0: number,
  rows: number,
  gp: GramPinv,
  sessions: ReductionSessions,
  scratch: Float64Array,
  into: { sum: number; sumSquares: number; trace: number },
): Promise<void> {
  const { vectors: V, inverse, onesWeights } = gp;
  const d = inverse.length;
  const Y = scratch.subarray(0, rows * d);
  await sessions.productNN.run({ A: f64Tensor(P.subarray(0, rows * d), rows, d), B: f64Tensor(V, d, d) }, { out: f64Tensor(Y, rows, d) });
  for (let s = 0; s < rows; s++) {
    const y = s * d,
      v = (i0 + s) * d;
    for (let k = 0; k < d; k++) {
      const z = Y[y + k] * inverse[k];
      into.sumSquares += z * z;
      into.trace += V[v + k] * z;
      into.sum += Y[y + k] * onesWeights[k];
    }
  }
}
