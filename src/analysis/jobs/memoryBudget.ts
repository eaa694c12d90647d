/**
 * A job step's memory budget, shared between what it holds and what its kernels may use:
 * `layerLens.memoryBudgetMB` bounds the worker's memory for the step, so a kernel called while the
 * step holds two 940 MB matrices (a 70B model's up_proj, float32) gets the budget less those. The
 * kernels size their blocks from `engine.memoryBudgetBytes`; this returns the same engine with
 * that figure lowered, never below `floorBytes` (a kernel still needs room to make progress).
 */
import type { Engine } from '../engine/engine';

export const MIN_KERNEL_BUDGET_BYTES = 64 * 1024 * 1024;

export function budgetLeft(engine: Engine, heldBytes: number, floorBytes = MIN_KERNEL_BUDGET_BYTES): Engine {
  const left = Math.max(floorBytes, engine.memoryBudgetBytes - Math.max(0, heldBytes));
  if (left >= engine.memoryBudgetBytes) return engine;
  // The same engine (every call goes to it, so its sessions are shared), with a smaller budget.
  return {
    info: engine.info,
    memoryBudgetBytes: left,
    session: (signature, build) => engine.session(signature, build),
    run: (signature, build, feeds, outputs) => engine.run(signature, build, feeds, outputs),
    release: () => engine.release(),
  };
}

/** Bytes of the float32 matrices a step holds. */
export function heldBytes(...matrices: ({ data: { byteLength: number } } | undefined)[]): number {
  return matrices.reduce((sum, m) => sum + (m?.data.byteLength ?? 0), 0);
}
