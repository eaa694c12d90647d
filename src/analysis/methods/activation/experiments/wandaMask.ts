/**
 * Wanda's pruning of one linear layer (Sun et al. 2023, "A Simple and Effective Pruning Approach for
 * Large Language Models"; locuslab/wanda lib/prune.py, prune_wanda, unstructured branch): the score
 * of weight W_ij (output row i, input column j) is |W_ij|·‖X_j‖₂, the norm of input feature j over
 * the calibration tokens (lib/layerwrapper.py, WrappedGPT.add_batch accumulates its square); in every
 * output row the int(columns·ratio) lowest scores are set to zero, ties broken by the lower column
 * (torch.sort(stable=True) over the row).
 */
import type { FloatArray } from '../../../model/executor/session';

/** Zero-based columns pruned in each row: floor(columns·ratio), as `int(W_metric.shape[1]*sparsity_ratio)`. */
export function prunedPerRow(columns: number, ratio: number): number {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`pruning ratio ${ratio} must lie in [0, 1]`);
  // The same double product and truncation as Python's int(): 100·0.29 = 28.999… prunes 28.
  return Math.min(columns, Math.floor(columns * ratio));
}

/**
 * Wanda's mask of an [rows, columns] row-major matrix (nn.Linear storage: rows are outputs) given
 * each column's input norm ‖X_j‖₂: 1 where the weight is pruned.
 */
export function wandaMask(w: ArrayLike<number>, rows: number, columns: number, inputNorms: ArrayLike<number>, ratio: number): Uint8Array {
  if (w.length !== rows * columns) throw new Error(`a ${rows}×${columns} matrix cannot hold ${w.length} values`);
  if (inputNorms.length !== columns) throw new Error(`${inputNorms.length} input norms for a matrix of ${columns} columns`);
  const mask = new Uint8Array(rows * columns);
  const k = prunedPerRow(columns, ratio);
  if (k === 0) return mask;
  const order = new Uint32Array(columns);
  const score = new Float64Array(columns);
  for (let i = 0; i < rows; i++) {
    const row = i * columns;
    for (let j = 0; j < columns; j++) {
      score[j] = Math.abs(w[row + j]) * inputNorms[j];
      order[j] = j;
    }
    order.sort((a, b) => score[a] - score[b] || a - b);
    for (let t = 0; t < k; t++) mask[row + order[t]] = 1;
  }
  return mask;
}

/**
 * A Wanda mask kept as two numbers per row: the score of the last pruned entry and the highest
 * column pruned at exactly that score (ties are pruned in column order). Entry (i, j) is pruned
 * when its score is below threshold[i], or equal to it with j ≤ lastTie[i]; this gives the mask
 * back in one pass, without sorting again.
 */
export interface RowCuts {
  threshold: Float64Array;
  lastTie: Int32Array;
}

export function wandaRowCuts(w: ArrayLike<number>, rows: number, columns: number, inputNorms: ArrayLike<number>, ratio: number): RowCuts {
  const mask = wandaMask(w, rows, columns, inputNorms, ratio);
  const threshold = new Float64Array(rows).fill(-Infinity);
  const lastTie = new Int32Array(rows).fill(-1);
  for (let i = 0; i < rows; i++) {
    const row = i * columns;
    for (let j = 0; j < columns; j++) {
      if (!mask[row + j]) continue;
      const s = Math.abs(w[row + j]) * inputNorms[j];
      if (s > threshold[i]) {
        threshold[i] = s;
        lastTie[i] = j;
      } else if (s === threshold[i]) lastTie[i] = j;
    }
  }
  return { threshold, lastTie };
}

/** Zeroes, in place, the entries that `cuts` (from the same weights and norms) prune; returns how many. */
export function applyRowCuts(w: FloatArray, rows: number, columns: number, inputNorms: ArrayLike<number>, cuts: RowCuts): number {
  if (w.length !== rows * columns) throw new Error(`a ${rows}×${columns} matrix cannot hold ${w.length} values`);
  let n = 0;
  for (let i = 0; i < rows; i++) {
    const t = cuts.threshold[i],
      tie = cuts.lastTie[i],
      row = i * columns;
    if (tie < 0) continue;
    for (let j = 0; j < columns; j++) {
      const s = Math.abs(w[row + j]) * inputNorms[j];
      if (s < t || (s === t && j <= tie)) {
        w[row + j] = 0;
        n++;
      }
    }
  }
  return n;
}

/** Zeroes, in place, the entries wandaMask prunes; returns how many (rows · floor(columns · ratio)). */
export function wandaPruneInPlace(w: FloatArray, rows: number, columns: number, inputNorms: ArrayLike<number>, ratio: number): number {
  const mask = wandaMask(w, rows, columns, inputNorms, ratio);
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      w[i] = 0;
      n++;
    }
  }
  return n;
}
