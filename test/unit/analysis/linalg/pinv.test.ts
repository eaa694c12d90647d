import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pinv, defaultRcond } from '../../../../src/analysis/linalg/pinv';
import { Matrix } from '../../../../src/analysis/linalg/matrix';
import { gaussian, matmul, maxAbs, seeded, transpose } from './helpers';

function randomMatrix(m: number, n: number, seed: number): Matrix {
  const normal = gaussian(seeded(seed));
  return { rows: m, cols: n, data: Float32Array.from({ length: m * n }, normal) };
}

/** The four Penrose conditions, each as a relative max-abs error. */
function penrose(a: Matrix, p: Matrix) {
  const { rows: m, cols: n } = a;
  const ap = matmul(a.data, p.data, m, n, m); // m×m
  const pa = matmul(p.data, a.data, n, m, n); // n×n
  const apa = matmul(ap, a.data, m, m, n);
  const pap = matmul(pa, p.data, n, n, m);
  const rel = (x: Float64Array, y: ArrayLike<number>) => maxAbs(x.map((v, i) => v - y[i])) / maxAbs(y);
  return {
    apa: rel(apa, a.data),
    pap: rel(pap, p.data),
    apSymmetric: rel(ap, transpose(ap, m, m)),
    paSymmetric: rel(pa, transpose(pa, n, n)),
  };
}

test('Penrose identities on full-rank tall, wide and square matrices', async () => {
  for (const [m, n] of [
    [40, 25],
    [25, 40],
    [30, 30],
  ]) {
    const a = randomMatrix(m, n, m * 100 + n);
    const p = await pinv(a);
    assert.deepEqual([p.rows, p.cols], [n, m]);
    const e = penrose(a, p);
    for (const [k, v] of Object.entries(e)) assert.ok(v < 1e-5, `${m}×${n} ${k}: ${v}`);
  }
});

test('square invertible matrix: pinv is the inverse', async () => {
  const n = 12;
  const a = randomMatrix(n, n, 77);
  for (let i = 0; i < n; i++) a.data[i * n + i] += 6; // well conditioned
  const p = await pinv(a);
  const ap = matmul(a.data, p.data, n, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(ap[i * n + j] - (i === j ? 1 : 0)) < 1e-5);
});

test('rank one: pinv(u·vᵀ) = v·uᵀ / (‖u‖²‖v‖²)', async () => {
  const u = [1, -2, 0.5, 3, 0.25];
  const v = [2, 1, -1, 0.5];
  const a: Matrix = { rows: 5, cols: 4, data: Float32Array.from(matmul(u, v, 5, 1, 4)) };
  const p = await pinv(a);
  const nu = u.reduce((s, x) => s + x * x, 0);
  const nv = v.reduce((s, x) => s + x * x, 0);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 5; j++) {
      const exact = (v[i] * u[j]) / (nu * nv);
      assert.ok(Math.abs(p.data[i * 5 + j] - exact) < 1e-6 * Math.abs(1 / Math.sqrt(nu * nv)), `(${i},${j}) ${p.data[i * 5 + j]} vs ${exact}`);
    }
});

test('rank 3 of 9×6: Penrose identities hold and pinv has rank 3 (the null space is cut off)', async () => {
  const b = randomMatrix(9, 3, 5);
  const c = randomMatrix(3, 6, 6);
  const a: Matrix = { rows: 9, cols: 6, data: Float32Array.from(matmul(b.data, c.data, 9, 3, 6)) };
  const p = await pinv(a);
  const e = penrose(a, p);
  for (const [k, v] of Object.entries(e)) assert.ok(v < 1e-4, `${k}: ${v}`);
  // P·A is the orthogonal projector onto the row space: its trace is the rank.
  const pa = matmul(p.data, a.data, 6, 9, 6);
  let trace = 0;
  for (let i = 0; i < 6; i++) trace += pa[i * 6 + i];
  assert.ok(Math.abs(trace - 3) < 1e-4, `trace(P·A) = ${trace}`);
});

test('rcond: the default follows √(max(m,n)·ε); a large rcond drops small singular directions', async () => {
  assert.equal(defaultRcond(4096, 1024), Math.sqrt(4096 * 2.220446049250313e-16));
  // diag(1, 1e-3): rcond 1e-2 drops the second direction.
  const a: Matrix = { rows: 2, cols: 2, data: Float32Array.of(1, 0, 0, 1e-3) };
  const full = await pinv(a);
  assert.ok(Math.abs(full.data[3] - 1000) < 1e-2);
  const cut = await pinv(a, { rcond: 1e-2 });
  assert.ok(Math.abs(cut.data[0] - 1) < 1e-6 && Math.abs(cut.data[3]) < 1e-9);
  const zero = await pinv({ rows: 2, cols: 3, data: new Float32Array(6) });
  assert.deepEqual(Array.from(zero.data), [0, 0, 0, 0, 0, 0]);
  await assert.rejects(pinv(a, { rcond: -1 }), /rcond must be a finite number ≥ 0, got -1/);
});
