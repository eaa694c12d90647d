// An engine whose memory budget makes svdVectorBlocks take a chosen number of vectors per block,
// for the tests of the blocked singular vectors (linalg/svdBlocks, spectra/vectorBlocks).
import assert from 'node:assert/strict';
import { getEngine, type Engine } from '../../../../src/analysis/engine/engine';
import { budgetLeft } from '../../../../src/analysis/jobs/memoryBudget';
import { vectorBlockPlan } from '../../../../src/analysis/linalg/svd';

/** The engine with the smallest budget whose plan for an m×n matrix takes `width` vectors per block (above the plan's minimum). */
export async function engineForWidth(m: number, n: number, width: number): Promise<Engine> {
  const big = await getEngine({ memoryBudgetMB: 4096 });
  const at = (bytes: number) => budgetLeft(big, big.memoryBudgetBytes - bytes, bytes);
  const plan = (bytes: number) => vectorBlockPlan(at(bytes), 4 * m * n, Math.min(m, n), Math.max(m, n), Math.min(m, n));
  let bytes = 1024;
  while (plan(bytes).width < width) bytes += 64;
  assert.equal(plan(bytes).width, width);
  return at(bytes);
}
