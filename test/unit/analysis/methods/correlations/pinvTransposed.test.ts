// pinv(W)ᵀ in row blocks against the closed form: for W = U·diag(s)·Vᵀ (orthonormal U, V), pinv(W)ᵀ
// = U·diag(1/s)·Vᵀ, with singular values below the cutoff dropped; and equal to linalg's pinv,
// transposed, whatever the block size the budget gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { transpose } from '../../../../../src/analysis/linalg/matrix';
import { pinv } from '../../../../../src/analysis/linalg/pinv';
import { pinvTransposed } from '../../../../../src/analysis/methods/correlations/pinvTransposed';
import { budgetLeft } from '../../../../../src/analysis/jobs/memoryBudget';
import { randomMatrix } from '../../engine/random';
import { lowRank } from '../diff/helpers';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('pinv(W)ᵀ of a planted SVD is U·diag(1/s)·Vᵀ, the negligible direction dropped', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const [m, n] = [40, 12];
  // lowRank(m, n, s, seed) = Σ s_k u_k v_kᵀ; the same seed gives the same u, v for 1/s.
  const s = [4, 2, 1, 0.5, 1e-9];
  const W = { rows: m, cols: n, data: Float32Array.from(lowRank(m, n, s, 5)) };
  const expected = lowRank(m, n, [0.25, 0.5, 1, 2], 5);
  const got = await pinvTransposed(W, { engine });
  assert.deepEqual([got.rows, got.cols], [m, n]);
  assert.ok(maxAbsDiff(got.data, expected) < 1e-4, `max |Δ| ${maxAbsDiff(got.data, expected)}`);
});

test('equals linalg pinv transposed, in one block or many', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const W = randomMatrix(300, 24, 9);
  const reference = transpose(await pinv(W, { engine }));
  const whole = await pinvTransposed(W, { engine });
  // A tiny budget: blocks of a few rows.
  const tiny = budgetLeft(engine, engine.memoryBudgetBytes, 8 * 24 * 7 * 2);
  const blocks = await pinvTransposed(W, { engine: tiny });
  assert.ok(maxAbsDiff(whole.data, reference.data) < 1e-6, `whole ${maxAbsDiff(whole.data, reference.data)}`);
  assert.deepEqual(blocks.data, whole.data, 'block size does not change the result');
});

test('a wide W goes through pinv and a transpose; a zero W gives zeros', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const W = randomMatrix(10, 30, 2);
  const got = await pinvTransposed(W, { engine });
  assert.deepEqual(got, transpose(await pinv(W, { engine })));
  const Z = { rows: 20, cols: 5, data: new Float32Array(100) };
  assert.deepEqual(Array.from((await pinvTransposed(Z, { engine })).data), new Array(100).fill(0));
});
