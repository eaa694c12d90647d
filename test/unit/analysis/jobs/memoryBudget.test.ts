// A step's kernels get the budget less what the step holds: the figure is exact, floored, and the
// returned engine is the same engine (its methods and state) with only that figure changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Engine } from '../../../../src/analysis/engine/engine';
import { budgetLeft, heldBytes, MIN_KERNEL_BUDGET_BYTES } from '../../../../src/analysis/jobs/memoryBudget';

const MiB = 2 ** 20;

class FakeEngine {
  readonly info = { threads: 2 } as unknown as Engine['info'];
  private runs = 0;
  constructor(readonly memoryBudgetBytes: number) {}
  session(): Promise<never> {
    return Promise.reject(new Error('unused'));
  }
  async run(signature: string): Promise<Record<string, never>> {
    this.runs++;
    return Promise.resolve({ [signature]: this.runs } as never);
  }
  release(): Promise<void> {
    return Promise.resolve();
  }
  count(): number {
    return this.runs;
  }
}

test('the kernels get the budget less the bytes held, never below the floor', () => {
  const engine = new FakeEngine(2048 * MiB) as unknown as Engine;
  assert.equal(budgetLeft(engine, 940 * MiB).memoryBudgetBytes, 1108 * MiB);
  assert.equal(budgetLeft(engine, 4000 * MiB).memoryBudgetBytes, MIN_KERNEL_BUDGET_BYTES);
  assert.equal(budgetLeft(engine, 4000 * MiB, 10 * MiB).memoryBudgetBytes, 10 * MiB);
  assert.equal(budgetLeft(engine, 0), engine, 'nothing held: the engine itself');
  assert.equal(budgetLeft(engine, -5), engine);
  assert.equal(engine.memoryBudgetBytes, 2048 * MiB, 'the original engine is unchanged');
});

test('the lowered engine is the same engine: methods, info and state are shared', async () => {
  const fake = new FakeEngine(1024 * MiB);
  const view = budgetLeft(fake as unknown as Engine, 512 * MiB);
  assert.equal(view.info, fake.info);
  await view.run('a', () => new Uint8Array(), {});
  await fake.run('b');
  assert.equal(fake.count(), 2, 'runs through the view count on the engine');
});

test('heldBytes adds the matrices present', () => {
  assert.equal(heldBytes({ data: new Float32Array(10) }, undefined, { data: new Float32Array(5) }), 60);
  assert.equal(heldBytes(), 0);
});
