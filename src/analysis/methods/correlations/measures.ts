/**
 * The measures of one layer (methods.md §2) from its role matrices, all `[out, in]`:
 * - per query head h (kv head ⌊h/r⌋ under grouped-query attention, r = n_heads / n_kv_heads):
 *   M1 cc(Wq, Wk), M2 cc(Wq, Wv), M3 cc(Wk, Wv), M4 cc(WqᵀWk, I), M5 cc(Woᵀ, Wv), where Wq, Wk, Wv
 *   are hd×d head slices and Woᵀ is o_proj's hd columns of the head, transposed to hd×d (headSlice),
 *   so that entry (j, i) of Woᵀ and of Wv both belong to value channel j and hidden unit i;
 * - M7 cc(Wg, Wu), cc(Wg, Wdᵀ), cc(Wu, Wdᵀ), cc(pinv(Wu), Wd);
 * - M8 cc(Wd·Wg, I), cc(Wd·Wu, I), cc(Wd·pinv(Wu)ᵀ, I).
 * Every cc(AᵀB, I) goes through traceProducts: sum, trace and ‖AᵀB‖²_F in closed form, so no d×d
 * product is ever held whole (per head through two hd×hd Gram matrices; for the MLP in row blocks).
 * pinv(Wu) is the eigen-based pseudo-inverse (Gram eigen-decomposition with a relative cutoff), robust
 * for ill-conditioned trained weights where the normal-equation inverse (WuᵀWu)⁻¹Wuᵀ is not.
 */
import type { Engine } from '../../engine/engine';
import { pearson, pearsonTransposed } from '../../engine/kernels/pearson';
import { traceProducts, traceProductsOfTransposed } from '../../engine/kernels/traceProducts';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { budgetLeft, heldBytes } from '../../jobs/memoryBudget';
import type { Matrix } from '../../linalg/matrix';
import { headSlice, kvHeadOf } from '../../model/readRole';
import type { ModelHandle } from '../../model/types';
import type { M7Measure, M8Measure } from './names';
import type { WeightFlag } from '../common/nonFinite';
import { pinvTransposed } from './pinvTransposed';

export interface HeadCorrelations {
  head: number;
  /** The key/value head this query head attends with. */
  kvHead: number;
  /** Null when a head slice the measure needs holds NaN/Inf (see `nonFinite`). */
  M1: number | null;
  M2: number | null;
  M3: number | null;
  M4: number | null;
  M5: number | null;
  /** Head slices (q, o of this head; k, v of its kv head) holding NaN/Inf; absent when all are finite. */
  nonFinite?: WeightFlag[];
}

export interface AttentionMatrices {
  q: Matrix;
  k: Matrix;
  v: Matrix;
  o: Matrix;
}

export interface MlpMatrices {
  /** Absent in models without a gated MLP (GPT-2, GPT-NeoX, OPT). */
  gate?: Matrix;
  up: Matrix;
  down: Matrix;
}

export interface MlpCorrelations {
  /** NaN where a measure does not apply (no gate) or is undefined (a constant matrix). */
  m7: Record<M7Measure, number>;
  m8: Record<M8Measure, number>;
}

export interface MeasureContext extends JobContext {
  engine: Engine;
  /** Relative singular-value cutoff of pinv(Wu); pinv's default when absent. */
  rcond?: number;
}

/** cc(A, B) of two same-shape matrices; a shape mismatch is a clear error, not a silent NaN. */
export function cc(a: Matrix, b: Matrix, what: string): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`${what}: the matrices have different shapes (${a.rows}×${a.cols} and ${b.rows}×${b.cols})`);
  return pearson(a.data, b.data);
}

/** cc(AᵀB, I) in closed form (A, B n×d). */
export async function ccProductIdentity(engine: Engine, a: Matrix, b: Matrix, ctx: JobContext = {}): Promise<number> {
  return (await traceProducts(engine, a, b, { signal: ctx.signal })).ccIdentity;
}

export async function headCorrelations(model: ModelHandle, m: AttentionMatrices, ctx: MeasureContext): Promise<HeadCorrelations[]> {
  const a = model.attention;
  if (!a) throw new Error(`${model.path}: the attention head layout is unknown (no head counts in config.json), so per-head measures cannot be computed`);
  if (a.numKvHeads < 1 || a.numHeads % a.numKvHeads !== 0)
    throw new Error(`${model.path}: ${a.numHeads} query heads cannot share ${a.numKvHeads} key/value heads evenly`);
  // k/v slices and M3 depend only on the kv head: slice and correlate each once.
  const kv = Array.from({ length: a.numKvHeads }, (_, g) => {
    const k = headSlice(model, m.k, 'k', g),
      v = headSlice(model, m.v, 'v', g);
    return { k, v, m3: cc(k, v, `kv head ${g}: cc(Wk, Wv)`) };
  });
  const out: HeadCorrelations[] = [];
  for (let h = 0; h < a.numHeads; h++) {
    throwIfCancelled(ctx.signal);
    const g = kvHeadOf(model, h);
    const q = headSlice(model, m.q, 'q', h);
    const oT = headSlice(model, m.o, 'o', h);
    const { k, v, m3 } = kv[g];
    out.push({
      head: h,
      kvHead: g,
      M1: cc(q, k, `head ${h}: cc(Wq, Wk)`),
      M2: cc(q, v, `head ${h}: cc(Wq, Wv)`),
      M3: m3,
      M4: await ccProductIdentity(ctx.engine, q, k, ctx),
      M5: cc(oT, v, `head ${h}: cc(Woᵀ, Wv)`),
    });
    if (h % 8 === 7) await yieldToEventLoop();
  }
  return out;
}

/** The two measures of pinv(Wu): M7 cc(pinv(Wu), Wd) and M8 cc(Wd·pinv(Wu)ᵀ, I). */
export interface PinvMeasures {
  pinvUp_down: number;
  down_pinvUpT: number;
}

/** What a caller that streams the layer already has (see correlations.ts's analyzeLayer). */
export interface MlpPrepared {
  /**
   * pinv(Wu)ᵀ, computed before down and gate were read. Let go (set to undefined) as soon as its
   * measures are done, so that the caller's box no longer keeps it alive.
   */
  pinvUpT?: Matrix;
  /** pinv(Wu)'s measures, when the caller took them before reading gate (then pinvUpT is gone). */
  pinv?: PinvMeasures;
}

/**
 * pinv(Wu)'s measures from the prepared pinv(Wu)ᵀ, which is let go afterwards; `besides`: the
 * other matrices held meanwhile, counted against the product's budget.
 */
export async function pinvMeasures(
  engine: Engine,
  prepared: MlpPrepared,
  down: Matrix,
  besides: (Matrix | undefined)[],
  ctx: JobContext = {},
): Promise<PinvMeasures> {
  let pinvUpT = prepared.pinvUpT;
  if (!pinvUpT) throw new Error('internal: pinv(Wu)ᵀ has not been computed');
  prepared.pinvUpT = undefined;
  const pinvUp_down = ccDownT(pinvUpT, down, 'cc(pinv(Wu), Wd)');
  // Wd·X = (Wdᵀ)ᵀ·X: every M8 product is AᵀB with A = Wdᵀ [ff, d] and B [ff, d].
  const down_pinvUpT = await ccDownProduct(budgetLeft(engine, heldBytes(...besides)), down, pinvUpT, { signal: ctx.signal });
  pinvUpT = undefined;
  return { pinvUp_down, down_pinvUpT };
}

/** cc(A, Wdᵀ) for A [ff, d] and Wd [d, ff] as stored. */
function ccDownT(a: Matrix, down: Matrix, what: string): number {
  if (a.rows !== down.cols || a.cols !== down.rows)
    throw new Error(`${what}: the matrices have different shapes (${a.rows}×${a.cols} and ${down.cols}×${down.rows})`);
  return pearsonTransposed(a.data, down.data, a.rows, a.cols);
}

/** cc(Wd·B, I) = cc((Wdᵀ)ᵀ·B, I) from Wd as stored. */
async function ccDownProduct(engine: Engine, down: Matrix, b: Matrix, ctx: JobContext): Promise<number> {
  return (await traceProductsOfTransposed(engine, down, b, { signal: ctx.signal })).ccIdentity;
}

/**
 * Memory at 70B shapes (each matrix 940 MB as float32): Wd is never transposed (its measures pair
 * entries with pearsonTransposed and take it as Aᵀ in traceProductsOfTransposed), pinv(Wu)ᵀ's
 * measures come first and it is let go after them (a streaming caller takes them before it reads
 * gate: prepared.pinv), and each M8 product's blocks get the budget less the matrices held beside
 * its two inputs.
 */
export async function mlpCorrelations(m: MlpMatrices, ctx: MeasureContext, prepared: MlpPrepared = {}): Promise<MlpCorrelations> {
  const { gate, up, down } = m;
  if (down.rows !== up.cols || down.cols !== up.rows)
    throw new Error(`down is ${down.rows}×${down.cols} but up is ${up.rows}×${up.cols}: expected down = [d, ff] for up = [ff, d]`);
  if (gate && (gate.rows !== up.rows || gate.cols !== up.cols)) throw new Error(`gate is ${gate.rows}×${gate.cols} but up is ${up.rows}×${up.cols}`);
  const none = NaN;
  const engine = ctx.engine;
  const kernelCtx = { signal: ctx.signal };
  // pinv(Wu)ᵀ [ff, d] in row blocks: the measures need the pseudo-inverse only transposed, and
  // cc(pinv(Wu), Wd) pairs the same entries as cc(pinv(Wu)ᵀ, Wdᵀ).
  let pinv = prepared.pinv;
  if (!pinv) {
    prepared.pinvUpT ??= await pinvTransposed(up, { engine: budgetLeft(engine, heldBytes(up, down, gate)), rcond: ctx.rcond, signal: ctx.signal });
    throwIfCancelled(ctx.signal);
    pinv = await pinvMeasures(engine, prepared, down, [up, gate], kernelCtx);
  }
  const { pinvUp_down, down_pinvUpT } = pinv;
  await yieldToEventLoop();
  const m7: Record<M7Measure, number> = {
    gate_up: gate ? cc(gate, up, 'cc(Wg, Wu)') : none,
    gate_downT: gate ? ccDownT(gate, down, 'cc(Wg, Wdᵀ)') : none,
    up_downT: ccDownT(up, down, 'cc(Wu, Wdᵀ)'),
    pinvUp_down,
  };
  const m8: Record<M8Measure, number> = {
    down_gate: gate ? await ccDownProduct(budgetLeft(engine, heldBytes(up)), down, gate, kernelCtx) : none,
    down_up: await ccDownProduct(budgetLeft(engine, heldBytes(gate)), down, up, kernelCtx),
    down_pinvUpT,
  };
  return { m7, m8 };
}

/** cc(Wg, Wdᵀ) and cc(Wd·Wg, I) from Wd as stored, for a layer whose up cannot be used. */
export async function gateDownMeasures(engine: Engine, gate: Matrix, down: Matrix, ctx: JobContext = {}): Promise<{ gate_downT: number; down_gate: number }> {
  return { gate_downT: ccDownT(gate, down, 'cc(Wg, Wdᵀ)'), down_gate: await ccDownProduct(engine, down, gate, ctx) };
}
