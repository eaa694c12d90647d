// svdVectorBlocks hands the leading singular vectors of one side over a column block at a time. Its
// vectors must be svd()'s (whose own test checks them against the generating U and V), in order,
// whatever the block width a small memory budget forces, for wide and tall matrices on both sides.
import { test } from 'node:test';
import { engineForWidth } from './vectorBlockEngine';
import assert from 'node:assert/strict';
import { svd, svdVectorBlocks, vectorBlockPlan } from '../../../../src/analysis/linalg/svd';
import type { Matrix, Matrix64 } from '../../../../src/analysis/linalg/matrix';
import { getEngine, type Engine } from '../../../../src/analysis/engine/engine';
import { matmul, randomOrthonormalColumns, transpose } from './helpers';

/** W = U·diag(s)·Vᵀ rounded to float32, with orthonormal U (m×p) and V (n×p), p = min(m, n). */
function withSingularValues(m: number, n: number, s: number[], seed: number): Matrix {
  const p = Math.min(m, n);
  const u = randomOrthonormalColumns(m, p, seed);
  const v = randomOrthonormalColumns(n, p, seed + 1);
  const us = new Float64Array(m * p);
  for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) us[i * p + j] = u[i * p + j] * s[j];
  return { rows: m, cols: n, data: Float32Array.from(matmul(us, transpose(v, n, p), m, p, n)) };
}

const descending = (p: number) => Array.from({ length: p }, (_, i) => 10 * 0.9 ** i + 0.05);

interface Received {
  first: number;
  count: number;
  rows: number;
  columns: Float64Array[];
}

async function blocksOf(w: Matrix, side: 'left' | 'right', wanted: number, engine?: Engine) {
  const received: Received[] = [];
  const { s } = await svdVectorBlocks(
    { rows: w.rows, cols: w.cols, data: w.data.slice() },
    side,
    () => wanted,
    (block: Matrix64, first, count) => {
      const columns = Array.from({ length: count }, (_, i) => Float64Array.from({ length: block.rows }, (_, r) => block.data[r * block.cols + i]));
      received.push({ first, count, rows: block.rows, columns });
    },
    { engine },
  );
  return { s, received };
}

for (const [m, n] of [
  [40, 90],
  [90, 40],
]) {
  for (const side of ['right', 'left'] as const) {
    const gramSide = m <= n === (side === 'left');
    test(`${m}×${n}, ${side} vectors (${gramSide ? 'the Gram side: one block' : 'the other side: blocks of a few'}): svd()'s, in order`, async () => {
      const p = Math.min(m, n);
      const w = withSingularValues(m, n, descending(p), m + 2 * n);
      const engine = await engineForWidth(m, n, 9);
      const whole = await svd(w, { left: side === 'left', right: side === 'right', engine });
      const reference = (side === 'left' ? whole.U : whole.V) as Matrix64;
      const wanted = p - 5;
      const { s, received } = await blocksOf(w, side, wanted, engine);
      assert.deepEqual(s, whole.s);
      if (gramSide) assert.equal(received.length, 1);
      else {
        // Blocks of 9, the last one partial (35 = 3·9 + 8).
        assert.deepEqual(
          received.map((b) => b.count),
          [...Array(Math.floor(wanted / 9)).fill(9), wanted % 9],
        );
      }
      let next = 0;
      for (const block of received) {
        assert.equal(block.first, next, 'blocks in order, none skipped');
        assert.equal(block.rows, side === 'left' ? m : n);
        for (let i = 0; i < block.count; i++) {
          const j = block.first + i;
          for (let r = 0; r < block.rows; r++) {
            const want = reference.data[r * reference.cols + j];
            assert.ok(Math.abs(block.columns[i][r] - want) <= 1e-14, `vector ${j}, entry ${r}: ${block.columns[i][r]} vs ${want}`);
          }
        }
        next += block.count;
      }
      assert.equal(next, wanted);
      // Without a budget: one block of every vector, the same vectors.
      const free = await blocksOf(w, side, p, undefined);
      assert.equal(free.received.length, 1);
      assert.equal(free.received[0].count, p);
    });
  }
}

test('vectors the Gram route cannot resolve are refused, not handed out', async () => {
  const w = withSingularValues(6, 40, [5, 2, 1, 0, 0, 0], 21);
  await assert.rejects(blocksOf(w, 'right', 6), /below what the Gram route resolves/);
  const { received } = await blocksOf(w, 'right', 3);
  assert.equal(
    received.reduce((a, b) => a + b.count, 0),
    3,
  );
  await assert.rejects(blocksOf(w, 'right', 7), /vector count must be an integer between 0 and 6/);
});

test("at a 70B down_proj's shape the slice and the block fit what the budget leaves beside W and the decomposition", async () => {
  const MiB = 2 ** 20;
  const [g, len] = [8192, 28672];
  for (const [budgetMB, left] of [
    [2048, 64 * MiB], // W (896 MiB) and the decomposition's 2 GiB exceed the budget: the 64 MiB floor
    [4096, (4096 - 896 - 2048) * MiB],
  ]) {
    const plan = vectorBlockPlan(await getEngine({ memoryBudgetMB: budgetMB }), 4 * g * len, g, len, g);
    const bytes = 8 * g * plan.slice + 8 * (len + g) * plan.width;
    assert.ok(bytes <= left && bytes > 0.9 * left, `budget ${budgetMB}: ${bytes / MiB} MiB of ${left / MiB}`);
    assert.ok(plan.width < g && plan.slice < len);
  }
});
