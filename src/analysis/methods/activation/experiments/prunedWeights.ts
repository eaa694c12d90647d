/**
 * A Wanda-pruned model in memory: the original weights, with the pruned entries of each planned
 * matrix zeroed as it is read. The plan keeps each matrix's input norms and its mask as two numbers
 * per row (wandaMask.ts, RowCuts), never a second copy of the weights, so the executor still
 * streams one layer at a time; the mask is applied in one pass on every read.
 */
import type { WeightSource } from '../../../model/executor/weights';
import { applyRowCuts, type RowCuts } from './wandaMask';

export interface PlannedMatrix {
  tensor: string;
  rows: number;
  columns: number;
  /** ‖X_j‖₂ of each input column over the calibration tokens. */
  inputNorms: Float64Array;
  ratio: number;
  /** The mask, as found at planning time. */
  cuts: RowCuts;
}

export function prunedWeightSource(base: WeightSource, plan: readonly PlannedMatrix[]): WeightSource {
  const byName = new Map(plan.map((m) => [m.tensor, m]));
  const read = async (name: string) => {
    const m = byName.get(name);
    const w = await base.read(name);
    if (!m) return w;
    const copy = w instanceof Float64Array ? Float64Array.from(w) : Float32Array.from(w);
    applyRowCuts(copy, m.rows, m.columns, m.inputNorms, m.cuts);
    return copy;
  };
  return {
    has: (name) => base.has(name),
    shape: (name) => base.shape(name),
    read,
    readRows: async (name, r0, r1) => {
      const m = byName.get(name);
      if (!m) return base.readRows(name, r0, r1);
      return (await read(name)).subarray(r0 * m.columns, r1 * m.columns);
    },
    moeMatrix: base.moeMatrix,
  };
}
