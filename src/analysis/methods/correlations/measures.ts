/**
 * The measures of one layer (methods.md §2) from its role matrices, all `[out, in]`:
 * - per query head h (kv head ⌊h/r⌋ under grouped-query attention, r = n_heads / n_kv_heads):
 *   M1 cc(Wq, Wk), M2 cc(Wq, Wv), M3 cc(Wk, Wv), M4 cc(WqᵀWk, I), M5 cc(Woᵀ, Wv), where Wq, Wk, Wv
 *   are hd×d head slices and Woᵀ is o_proj's hd columns of the head, transposed to hd×d (headSlice),
 *   so that entry (j, i) of Woᵀ and of Wv both belong to value channel j and hidden unit i;
 * - M7 cc(Wg, Wu), cc(Wg, Wdᵀ), cc(Wu, Wdᵀ), cc(pinv(Wu), Wd);
 * - M8 cc(Wd·Wg, I), cc(Wd·Wu, I), cc(Wd·pinv(Wu)ᵀ, I).
 * Every head cc(AᵀB, I) goes through traceProducts: sum, trace and ‖AᵀB‖²_F in closed form, through
 * two hd×hd Gram matrices. The MLP measures stream their matrices in row blocks (mlp.ts); pinv(Wu)
 * is the eigen-based pseudo-inverse (Gram eigen-decomposition with a relative cutoff), robust for
 * ill-conditioned trained weights where the normal-equation inverse (WuᵀWu)⁻¹Wuᵀ is not.
 */
import type { Engine } from '../../engine/engine';
import { pearson } from '../../engine/kernels/pearson';
import { traceProducts } from '../../engine/kernels/traceProducts';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import { headSlice, kvHeadOf } from '../../model/readRole';
import type { ModelHandle } from '../../model/types';
import type { M7Measure, M8Measure } from './names';
import type { WeightFlag } from '../common/nonFinite';
import { mlpMeasures } from './mlp';
import { matrixRows } from './rowSource';

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

/**
 * M7 and M8 of matrices in memory: the streamed route of mlp.ts over them (see there for how each
 * measure is formed), with NaN for the gate measures of an MLP without a gate.
 */
export async function mlpCorrelations(m: MlpMatrices, ctx: MeasureContext & { blockRows?: number }): Promise<MlpCorrelations> {
  const r = await mlpMeasures({ up: matrixRows(m.up), down: matrixRows(m.down), gate: m.gate && matrixRows(m.gate) }, ctx);
  // Without flags nothing is null: a non-finite entry gives NaN (or the decomposition's error).
  return { m7: r.m7 as Record<M7Measure, number>, m8: r.m8 as Record<M8Measure, number> };
}
