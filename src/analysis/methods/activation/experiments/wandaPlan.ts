/**
 * Wanda's sequential calibration (locuslab/wanda lib/prune.py, prune_wanda): layer by layer, the
 * calibration prompts run through the layer with its weights as they are, forward hooks gather
 * each linear layer's input norms ‖X_j‖₂ over all calibration tokens, the layer's seven matrices
 * are pruned at that layer's ratio, and the prompts run through the pruned layer again to give the
 * next layer its inputs — so every layer is calibrated on what the already-pruned layers before it
 * produce.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../../jobs';
import type { DecoderExecutor } from '../../../model/executor/decoder';
import type { FloatArray } from '../../../model/executor/session';
import { LayerRunner, prunableMatrices } from './layerRunner';
import type { PlannedMatrix } from './prunedWeights';
import { applyRowCuts, wandaRowCuts } from './wandaMask';

export interface WandaPlan {
  matrices: PlannedMatrix[];
  /** Per layer: zeroed weights / weights of its seven matrices. */
  layerSparsity: number[];
  /** Zeroed weights / weights over every pruned matrix. */
  totalSparsity: number;
}

/** Σ over tokens of x_j² for an input [1, T, n] (Wanda's scaler_row, up to its constant 1/nsamples). */
function addSquares(acc: Float64Array, x: FloatArray): void {
  const n = acc.length;
  for (let i = 0; i < x.length; i++) acc[i % n] += x[i] * x[i];
}

export async function wandaPlan(ex: DecoderExecutor, prompts: number[][], ratios: number[], ctx: JobContext = {}): Promise<WandaPlan> {
  const L = ex.cfg.numLayers;
  if (ratios.length !== L) throw new Error(`${ratios.length} pruning ratios for a model of ${L} layers`);
  if (prompts.length === 0) throw new Error('Wanda needs at least one calibration prompt');
  const runner = new LayerRunner(ex);
  try {
    let xs = await Promise.all(prompts.map((ids) => runner.embed(ids)));
    const matrices: PlannedMatrix[] = [];
    const layerSparsity: number[] = [];
    let zeroed = 0,
      total = 0;
    for (let l = 0; l < L; l++) {
      throwIfCancelled(ctx.signal);
      const mats = prunableMatrices(ex, l);
      const keys = mats.map((m) => m.key);
      const weights = await runner.readLayer(l);
      const squares = new Map(mats.map((m) => [m.key, new Float64Array(m.columns)]));
      for (let p = 0; p < prompts.length; p++) {
        const { inputs } = await runner.inputs(l, xs[p], prompts[p].length, weights, keys);
        for (const [k, x] of inputs) addSquares(squares.get(k)!, x);
      }
      const pruned: Record<string, FloatArray> = { ...weights };
      let layerZeroed = 0,
        layerTotal = 0;
      for (const m of mats) {
        const inputNorms = squares.get(m.key)!.map(Math.sqrt);
        const w = Float32Array.from(weights[m.key]);
        const cuts = wandaRowCuts(w, m.rows, m.columns, inputNorms, ratios[l]);
        layerZeroed += applyRowCuts(w, m.rows, m.columns, inputNorms, cuts);
        layerTotal += w.length;
        pruned[m.key] = w;
        matrices.push({ tensor: m.tensor, rows: m.rows, columns: m.columns, inputNorms, ratio: ratios[l], cuts });
      }
      layerSparsity.push(layerZeroed / layerTotal);
      zeroed += layerZeroed;
      total += layerTotal;
      const next: FloatArray[] = [];
      for (let p = 0; p < prompts.length; p++) next.push(await runner.forward(l, xs[p], prompts[p].length, pruned));
      xs = next;
      ctx.onProgress?.({ done: l + 1, total: L, message: `Wanda: layer ${l + 1}/${L}` });
      await yieldToEventLoop();
    }
    return { matrices, layerSparsity, totalSparsity: zeroed / total };
  } finally {
    await runner.release();
  }
}
