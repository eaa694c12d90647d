import { test } from 'node:test';
import assert from 'node:assert/strict';
import { singularValues, svd } from '../../../../src/analysis/linalg/svd';
import { Matrix } from '../../../../src/analysis/linalg/matrix';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { matmul, randomOrthonormalColumns, transpose } from './helpers';

/** W = U·diag(s)·Vᵀ rounded to float32, with U (m×p), V (n×p) orthonormal columns, p = min(m, n). */
function withSingularValues(m: number, n: number, s: number[], seed: number) {
  const p = Math.min(m, n);
  const u = randomOrthonormalColumns(m, p, seed);
  const v = randomOrthonormalColumns(n, p, seed + 1);
  const us = new Float64Array(m * p);
  for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) us[i * p + j] = u[i * p + j] * s[j];
  const w: Matrix = { rows: m, cols: n, data: Float32Array.from(matmul(us, transpose(v, n, p), m, p, n)) };
  return { w, u, v };
}

const descending = (p: number) => Array.from({ length: p }, (_, i) => 10 * 0.8 ** i + 0.01);

test('singular values of U·diag(s)·Vᵀ are s, for wide, tall and square matrices', async () => {
  for (const [m, n] of [
    [30, 50],
    [50, 30],
    [24, 24],
  ]) {
    const s = descending(Math.min(m, n));
    const { w } = withSingularValues(m, n, s, m * n);
    const got = await singularValues(w);
    assert.equal(got.length, s.length);
    // The float32 rounding of W moves σ by at most ‖ΔW‖₂ ≤ ‖ΔW‖_F ≈ 6e-8·‖W‖_F.
    for (let i = 0; i < s.length; i++) assert.ok(Math.abs(got[i] - s[i]) < 2e-6, `${m}×${n} σ${i}: ${got[i]} vs ${s[i]}`);
  }
});

test('svd vectors: match the generating U and V up to sign, are orthonormal, and rebuild W', async () => {
  for (const [m, n] of [
    [20, 35],
    [35, 20],
  ]) {
    const p = Math.min(m, n);
    const s = descending(p);
    const { w, u, v } = withSingularValues(m, n, s, 3 * m + n);
    const r = await svd(w, { left: true, right: true });
    assert.ok(r.U && r.V);
    assert.deepEqual([r.U.rows, r.U.cols, r.V.rows, r.V.cols], [m, p, n, p]);
    for (let j = 0; j < p; j++) {
      let du = 0;
      let dv = 0;
      for (let i = 0; i < m; i++) du += r.U.data[i * p + j] * u[i * p + j];
      for (let i = 0; i < n; i++) dv += r.V.data[i * p + j] * v[i * p + j];
      assert.ok(Math.abs(Math.abs(du) - 1) < 1e-4, `${m}×${n} u${j}·ũ${j} = ${du}`);
      assert.ok(Math.abs(du * dv - 1) < 1e-4, `${m}×${n}: u${j} and v${j} have consistent signs (${du}, ${dv})`);
    }
    let worst = 0;
    for (let i = 0; i < m; i++)
      for (let k = 0; k < n; k++) {
        let x = 0;
        for (let j = 0; j < p; j++) x += r.U.data[i * p + j] * r.s[j] * r.V.data[k * p + j];
        worst = Math.max(worst, Math.abs(x - w.data[i * n + k]));
      }
    assert.ok(worst < 1e-12, `reconstruction error ${worst}`);
  }
});

test('k leading triplets, left or right only', async () => {
  const { w } = withSingularValues(16, 28, descending(16), 9);
  const full = await svd(w, { left: true, right: true });
  const top = await svd(w, { right: true, k: 3 });
  assert.equal(top.U, undefined);
  assert.ok(top.V && top.V.cols === 3 && top.V.rows === 28);
  assert.equal(top.s.length, 16, 's holds every singular value');
  for (let i = 0; i < 28; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(top.V.data[i * 3 + j] - full.V!.data[i * 16 + j]) < 1e-12);
  const none = await svd(w);
  assert.equal(none.U, undefined);
  assert.equal(none.V, undefined);
});

test('rank-deficient W: zero singular values are 0 (not NaN from √ of a tiny negative) and vectors stay orthonormal', async () => {
  const s = [5, 2, 1, 0, 0, 0];
  const { w } = withSingularValues(6, 11, s, 21);
  const r = await svd(w, { left: true, right: true });
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(r.s[i] - s[i]) < 1e-6);
  for (let i = 3; i < 6; i++) assert.ok(r.s[i] >= 0 && r.s[i] < 1e-6, `σ${i} = ${r.s[i]}`);
  const v = r.V!;
  for (let a = 0; a < 6; a++)
    for (let b = 0; b < 6; b++) {
      let d = 0;
      for (let i = 0; i < 11; i++) d += v.data[i * 6 + a] * v.data[i * 6 + b];
      assert.ok(Math.abs(d - (a === b ? 1 : 0)) < 1e-10, `VᵀV[${a}][${b}] = ${d}`);
    }
  const zero = await singularValues({ rows: 3, cols: 4, data: new Float32Array(12) });
  assert.deepEqual(Array.from(zero), [0, 0, 0]);
});

test('a tiny memory budget accumulates the Gram matrix over many slices of W, with the same result', async () => {
  const engine = await getEngine({ memoryBudgetMB: 0.002 }); // 2 KB: slices of a few rows/columns
  for (const [m, n] of [
    [12, 40],
    [40, 12],
  ]) {
    const s = descending(12);
    const { w } = withSingularValues(m, n, s, 5 * m + n);
    const whole = await singularValues(w);
    const sliced = await singularValues(w, { engine });
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(sliced[i] - whole[i]) < 1e-12 * s[0], `${m}×${n} σ${i}: ${sliced[i]} vs ${whole[i]}`);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(sliced[i] - s[i]) < 2e-6);
  }
});

test('bad input is refused clearly', async () => {
  const w: Matrix = { rows: 3, cols: 4, data: new Float32Array(12).fill(1) };
  await assert.rejects(svd(w, { k: 4 }), /k must be an integer between 0 and 3/);
  await assert.rejects(singularValues({ rows: 2, cols: 2, data: Float32Array.of(1, Infinity, 0, 1) }), /entry \(0, 1\) is Infinity/);
  await assert.rejects(singularValues({ rows: 2, cols: 2, data: new Float32Array(3) }), /3 values, expected 2×2/);
});
