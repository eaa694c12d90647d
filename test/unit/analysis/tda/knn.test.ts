/** k-NN graph through the engine's GEMM against a float64 brute force written here. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { knnGraph } from '../../../../src/analysis/tda/knn';
import type { Matrix } from '../../../../src/analysis/linalg/matrix';
import { randomMatrix } from '../engine/random';

function bruteForce(p: Matrix, k: number): number[][] {
  const n = p.rows,
    d = p.cols;
  const sets = Array.from({ length: n }, () => new Set<number>());
  for (let i = 0; i < n; i++) {
    const order = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (p.data[i * d + t] - p.data[j * d + t]) ** 2;
      order.push({ j, s });
    }
    order.sort((a, b) => a.s - b.s || a.j - b.j);
    for (const { j } of order.slice(0, k)) {
      sets[i].add(j);
      sets[j].add(i);
    }
  }
  return sets.map((s) => [...s].sort((a, b) => a - b));
}

test('k-NN graph equals brute force, also for far-from-origin clouds where float32 GEMM loses digits', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  for (const [offset, seed] of [
    [0, 1],
    [300, 2],
  ] as const) {
    const p = randomMatrix(120, 48, seed);
    for (let i = 0; i < p.data.length; i++) p.data[i] += offset;
    for (const k of [1, 5]) {
      const g = await knnGraph(engine, p, k);
      assert.deepEqual(
        g.neighbours.map((a) => Array.from(a)),
        bruteForce(p, k),
        `offset ${offset}, k ${k}`,
      );
      assert.ok(g.neighbours.every((a) => a.length >= k));
    }
  }
});

test('k-NN graph stays exact where float32 products cannot order the neighbours at all (every candidate the bound allows is re-ranked)', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  // ‖x‖² ≈ 48·(3·10⁴)² ≈ 4·10¹⁰, so a float32 inner product is off by thousands, while the squared
  // distances between the points are about 100: the approximate ranking is noise.
  for (const [offset, seed] of [
    [3e4, 3],
    [1e3, 4],
  ] as const) {
    const p = randomMatrix(150, 48, seed);
    for (let i = 0; i < p.data.length; i++) p.data[i] += offset;
    // The same, in two clusters either side of the origin: centring the cloud leaves the norms large.
    const split = randomMatrix(150, 48, seed + 10);
    for (let i = 0; i < split.data.length; i++) split.data[i] += i < split.data.length / 2 ? offset : -offset;
    for (const [k, q] of [
      [1, p],
      [4, p],
      [1, split],
      [4, split],
    ] as const) {
      const g = await knnGraph(engine, q, k);
      assert.deepEqual(
        g.neighbours.map((a) => Array.from(a)),
        bruteForce(q, k),
        `offset ${offset}, k ${k}, ${q === p ? 'one cluster' : 'two clusters'}`,
      );
    }
  }
});

test('k-NN graph: a hand-checked line of points and clear errors', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  // Points at 0, 1, 3, 7 on a line: nearest of 0→1, 1→0, 3→1, 7→3.
  const line: Matrix = { rows: 4, cols: 1, data: Float32Array.from([0, 1, 3, 7]) };
  const g = await knnGraph(engine, line, 1);
  assert.deepEqual(
    g.neighbours.map((a) => Array.from(a)),
    [[1], [0, 2], [1, 3], [2]],
  );
  await assert.rejects(knnGraph(engine, line, 0), /positive integer/);
  await assert.rejects(knnGraph(engine, { rows: 1, cols: 1, data: new Float32Array(1) }, 1), /at least 2 points/);
  await assert.rejects(knnGraph(engine, { rows: 2, cols: 1, data: Float32Array.from([0, NaN]) }, 1), /non-finite/);
});
