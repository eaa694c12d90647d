/**
 * Final norm + lm_head, run over vocabulary chunks so that a 128k-token head never sits in memory
 * whole, and the scalar objectives whose gradients the executor back-propagates:
 * - 'max-logit': y = Σ_b max_v logits[b, T−1, v] (methods.md §4; one sequence in practice),
 * - 'lm-loss': mean next-token cross-entropy over the B·(T−1) predicted positions.
 * Only positions that matter are sent through the head (the last one unless logits at every
 * position or the LM loss are wanted), and for max-logit only the chunk holding the target row is
 * back-propagated.
 */
import type { DecoderExecutor, OutputRequest, RunResult } from './decoder';
import { dataOf, tensor, type FloatArray } from './session';
import { FloatBufferPool } from './bufferPool';

export type Objective = 'max-logit' | 'lm-loss';

export interface HeadGradientSink {
  /** ∂objective/∂(final norm weight), and ∂/∂(its bias) for LayerNorm models. */
  onFinalNormGrad?: (g: FloatArray, bias?: FloatArray) => void | Promise<void>;
  /** ∂objective/∂(lm_head rows r0..r1) — the embedding matrix when embeddings are tied. */
  onLmHeadGrad?: (r0: number, r1: number, g: FloatArray) => void | Promise<void>;
}

export interface HeadState {
  result: Partial<RunResult>;
  /** Positions sent through the head: 1 (last) or T. */
  tl: number;
  x: FloatArray;
  logits: FloatArray | null;
  objective?: Objective;
  batch: number[][];
}

function zeros(elem: string, n: number): FloatArray {
  return elem === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** lm_head rows r0..r1, read into a buffer of `pool` where the source can (every chunk but the last has the same size). */
async function headRows(ex: DecoderExecutor, r0: number, r1: number, pool: FloatBufferPool): Promise<FloatArray> {
  const d = ex.cfg.hiddenSize;
  if (ex.elem === 'float32' && ex.weights.readInto && ex.options.reuseBuffers !== false) {
    const buffer = pool.take((r1 - r0) * d) as Float32Array;
    if (await ex.weights.readInto(ex.cfg.names.lmHead, buffer, r0 * d)) return buffer;
    pool.give(buffer);
  }
  return ex.convert(await ex.weights.readRows(ex.cfg.names.lmHead, r0, r1));
}

function normKind(ex: DecoderExecutor): 'rms' | 'layer' {
  return ex.cfg.family === 'llama' ? 'rms' : 'layer';
}

/** Feeds of the final norm: its weight, and its bias for LayerNorm. */
async function finalNormFeeds(ex: DecoderExecutor): Promise<Record<string, ReturnType<typeof tensor>>> {
  const d = ex.cfg.hiddenSize;
  const f: Record<string, ReturnType<typeof tensor>> = { norm: tensor(ex.elem, ex.convert(await ex.weights.read(ex.cfg.names.finalNorm)), [d]) };
  if (ex.cfg.names.finalNormBias) f.norm_bias = tensor(ex.elem, ex.convert(await ex.weights.read(ex.cfg.names.finalNormBias)), [d]);
  return f;
}

export async function runHead(
  ex: DecoderExecutor,
  xL: FloatArray,
  B: number,
  T: number,
  outputs: OutputRequest,
  objective: Objective | undefined,
  batch: number[][],
): Promise<HeadState> {
  const { hiddenSize: d, vocabSize: V } = ex.cfg;
  const want = outputs.logits ?? 'last';
  if (objective === 'lm-loss' && T < 2) throw new Error('the language-model loss needs at least two tokens');
  const all = want === 'all' || objective === 'lm-loss';
  const needLogits = want !== 'none' || objective !== undefined;
  const tl = all ? T : 1;
  let x = xL;
  if (tl === 1 && T > 1) {
    x = zeros(ex.elem, B * d);
    for (let b = 0; b < B; b++) x.set(xL.subarray((b * T + T - 1) * d, (b * T + T) * d), b * d);
  }
  const state: HeadState = { result: {}, tl, x, logits: null, objective, batch };
  if (!needLogits && !outputs.finalNorm) return state;
  const session = await ex.sessions().headForward(normKind(ex));
  const normFeeds = await finalNormFeeds(ex);
  const logits = needLogits ? zeros(ex.elem, B * tl * V) : null;
  const chunk = needLogits ? ex.vocabChunkRows() : 1;
  const pool = new FloatBufferPool(ex.elem);
  for (let r0 = 0; r0 < (needLogits ? V : 1); r0 += chunk) {
    const r1 = Math.min(V, r0 + chunk);
    const rows = await headRows(ex, r0, r1, pool);
    const out = await session.run({
      x: tensor(ex.elem, x, [B, tl, d]),
      ...normFeeds,
      head: tensor(ex.elem, rows, [r1 - r0, d]),
    });
    pool.give(rows);
    if (r0 === 0 && outputs.finalNorm) state.result.finalNorm = dataOf(out.final_norm);
    if (logits) {
      const lc = dataOf(out.logits);
      const vc = r1 - r0;
      for (let i = 0; i < B * tl; i++) logits.set(lc.subarray(i * vc, (i + 1) * vc), i * V + r0);
    }
  }
  state.logits = logits;
  if (logits && want !== 'none') {
    state.result.logits = want === 'last' && tl === T && T > 1 ? lastPositions(logits, B, T, V) : logits;
  }
  if (objective === 'max-logit') {
    const last = tl === 1 ? logits! : lastPositions(logits!, B, T, V);
    state.result.targets = [];
    let value = 0;
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let v = 1; v < V; v++) if (last[b * V + v] > last[b * V + best]) best = v;
      state.result.targets.push(best);
      value += last[b * V + best];
    }
    state.result.objectiveValue = value;
  } else if (objective === 'lm-loss') {
    state.result.objectiveValue = lmLoss(logits!, batch, T, V).loss;
  }
  return state;
}

function lastPositions(logits: FloatArray, B: number, T: number, V: number): FloatArray {
  const out = logits instanceof Float64Array ? new Float64Array(B * V) : new Float32Array(B * V);
  for (let b = 0; b < B; b++) out.set(logits.subarray((b * T + T - 1) * V, (b * T + T) * V), b * V);
  return out;
}

/** Mean cross-entropy of predicting token t+1 at position t, and its gradient w.r.t. the logits [B,T,V]. */
export function lmLoss(logits: FloatArray, batch: number[][], T: number, V: number): { loss: number; grad: Float64Array } {
  const B = batch.length;
  const n = B * (T - 1);
  const grad = new Float64Array(B * T * V);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T - 1; t++) {
      const o = (b * T + t) * V;
      let m = -Infinity;
      for (let v = 0; v < V; v++) m = Math.max(m, logits[o + v]);
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(logits[o + v] - m);
      const target = batch[b][t + 1];
      loss += Math.log(z) + m - logits[o + target];
      for (let v = 0; v < V; v++) grad[o + v] = Math.exp(logits[o + v] - m) / z / n;
      grad[o + target] -= 1 / n;
    }
  }
  return { loss: loss / n, grad };
}

/** Back-propagates the objective through lm_head and the final norm; returns ∂objective/∂x_L [B,T,d]. */
export async function headBackward(ex: DecoderExecutor, _xL: FloatArray, B: number, T: number, state: HeadState, sink: HeadGradientSink): Promise<FloatArray> {
  const { hiddenSize: d, vocabSize: V } = ex.cfg;
  const { tl, logits } = state;
  const dLogits = zeros(ex.elem, B * tl * V);
  if (state.objective === 'max-logit') {
    state.result.targets!.forEach((v, b) => (dLogits[(b * tl + tl - 1) * V + v] = 1));
  } else {
    dLogits.set(lmLoss(logits!, state.batch, T, V).grad);
  }
  const session = await ex.sessions().headBackward(normKind(ex));
  const normFeeds = await finalNormFeeds(ex);
  const withBias = 'norm_bias' in normFeeds;
  const gx = zeros(ex.elem, B * tl * d);
  const gNorm = zeros(ex.elem, d),
    gBias = zeros(ex.elem, d);
  const chunk = ex.vocabChunkRows();
  const pool = new FloatBufferPool(ex.elem);
  for (let r0 = 0; r0 < V; r0 += chunk) {
    const r1 = Math.min(V, r0 + chunk),
      vc = r1 - r0;
    const g = zeros(ex.elem, B * tl * vc);
    let any = false;
    for (let i = 0; i < B * tl; i++) {
      const row = dLogits.subarray(i * V + r0, i * V + r1);
      g.set(row, i * vc);
      if (!any) any = row.some((v) => v !== 0);
    }
    if (!any) continue; // this chunk does not touch the objective
    const rows = await headRows(ex, r0, r1, pool);
    const out = await session.run(
      {
        x: tensor(ex.elem, state.x, [B, tl, d]),
        ...normFeeds,
        head: tensor(ex.elem, rows, [vc, d]),
        grad_logits: tensor(ex.elem, g, [B, tl, vc]),
      },
      ['grad_x', 'grad_norm', ...(withBias ? ['grad_norm_bias'] : []), 'grad_head'],
    );
    pool.give(rows);
    const cx = dataOf(out.grad_x),
      cn = dataOf(out.grad_norm);
    for (let i = 0; i < gx.length; i++) gx[i] += cx[i];
    for (let i = 0; i < d; i++) gNorm[i] += cn[i];
    if (withBias) {
      const cb = dataOf(out.grad_norm_bias);
      for (let i = 0; i < d; i++) gBias[i] += cb[i];
    }
    await sink.onLmHeadGrad?.(r0, r1, dataOf(out.grad_head));
  }
  await sink.onFinalNormGrad?.(gNorm, withBias ? gBias : undefined);
  if (tl === T) return gx;
  const full = zeros(ex.elem, B * T * d);
  for (let b = 0; b < B; b++) full.set(gx.subarray(b * d, (b + 1) * d), (b * T + T - 1) * d);
  return full;
}
