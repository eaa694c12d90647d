import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gramMatrix, gramEigen } from '../../../../src/analysis/linalg/gramEigen';
import { reductionSessions } from '../../../../src/analysis/linalg/reductionGraphs';
import type { Engine } from '../../../../src/analysis/engine/engine';
import { normalSource } from '../../../../src/analysis/stats/random';
import { eigh } from '../../../../src/analysis/linalg/eigh';

function randomF32(rows: number, cols: number, seed: number): Float32Array {
  const normal = normalSource(seed);
  return Float32Array.from({ length: rows * cols }, () => normal());
}

/** W·Wᵀ (wide) or Wᵀ·W (tall) by plain float64 dot products, the independent reference. */
function referenceGram(w: Float32Array, rows: number, cols: number): Float64Array {
  const tall = rows > cols;
  const g = tall ? cols : rows;
  const len = tall ? rows : cols;
  const at = (p: number, t: number) => (tall ? w[t * cols + p] : w[p * cols + t]);
  const out = new Float64Array(g * g);
  for (let p = 0; p < g; p++)
    for (let q = 0; q <= p; q++) {
      let s = 0;
      for (let t = 0; t < len; t++) s += at(p, t) * at(q, t);
      out[p * g + q] = out[q * g + p] = s;
    }
  return out;
}

/** An engine that only states a memory budget: what sizes the Gram product's slices. */
const budget = (bytes: number) => ({ memoryBudgetBytes: bytes, info: { threads: 2 } }) as unknown as Engine;

test('Gram matrix in row blocks over many slices: equal to plain float64 dot products, exactly symmetric', async () => {
  const sessions = await reductionSessions();
  for (const [rows, cols, bytes] of [
    [520, 1300, 16 * 8 * 520 * 97], // wide, 8 row blocks, slices of 97 columns (the last one short)
    [1300, 530, 16 * 8 * 530 * 211], // tall (transposed slices), 8 row blocks
    [30, 70, Infinity], // one block, one slice
    [90, 40, 16 * 8 * 40 * 7], // tall, one block, many slices
  ]) {
    const w = randomF32(rows, cols, rows + cols);
    const { data, rows: g } = await gramMatrix({ rows, cols, data: w }, sessions, { engine: budget(bytes) });
    const want = referenceGram(w, rows, cols);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(data[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    assert.ok(worst <= 1e-13 * scale, `${rows}×${cols}: max error ${worst} of ${scale}`);
    for (let i = 0; i < g; i++) for (let j = 0; j < i; j++) assert.equal(data[i * g + j], data[j * g + i], `${rows}×${cols}: (${i}, ${j}) mirrored`);
  }
});

test('the Gram eigen-decomposition gives the eigenvalues of the reference Gram matrix', async () => {
  const rows = 600,
    cols = 1100;
  const w = randomF32(rows, cols, 9);
  const got = await gramEigen({ rows, cols, data: w }, 'test', false, { engine: budget(16 * 8 * 600 * 128) });
  const want = await eigh({ rows, cols: rows, data: referenceGram(w, rows, cols) });
  const top = want.values[rows - 1];
  for (let i = 0; i < rows; i++) assert.ok(Math.abs(got.values[i] - want.values[i]) < 1e-12 * top, `λ${i}: ${got.values[i]} vs ${want.values[i]}`);
});

test('a Gram matrix accumulated in a given dead buffer equals the fresh one and lies in that buffer', async () => {
  const sessions = await reductionSessions();
  const [rows, cols] = [700, 300];
  const w = randomF32(rows, cols, 17);
  const engine = budget(16 * 8 * 300 * 101);
  const fresh = await gramMatrix({ rows, cols, data: w }, sessions, { engine });
  const into = new Float64Array(cols * cols + 9).fill(Number.NaN);
  const reused = await gramMatrix({ rows, cols, data: w }, sessions, { engine, into });
  assert.equal(reused.data.buffer, into.buffer);
  assert.deepEqual(reused.data, fresh.data);
});
