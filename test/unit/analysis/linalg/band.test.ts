import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandToTridiagonal, applyBandReflectors, emptyBand } from '../../../../src/analysis/linalg/bandToTridiagonal';
import { tridiagonalEigen } from '../../../../src/analysis/linalg/tridiagonal';
import { WasmWorkspace } from '../../../../src/analysis/linalg/wasm/linalgWasm';
import { eigenResiduals, gridLaplacian, maxAbs, randomSymmetric } from './helpers';

function toBand(a: Float64Array, n: number, b: number) {
  const band = emptyBand(n, b);
  for (let c = 0; c < n; c++) for (let r = c; r <= Math.min(n - 1, c + b); r++) band.data[c * band.ld + r - c] = a[r * n + c];
  return band;
}

test('grid Laplacian (half-bandwidth p): band → tridiagonal keeps the closed-form spectrum', async () => {
  for (const [p, q] of [
    [3, 5],
    [6, 11],
    [9, 9],
  ]) {
    const { matrix, n, eigenvalues } = gridLaplacian(p, q);
    const tri = await bandToTridiagonal(toBand(matrix, n, p));
    const { values } = await tridiagonalEigen(tri.diagonal, tri.offDiagonal);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] - eigenvalues[i]) < 1e-13, `${p}×${q} λ${i}: ${values[i]} vs ${eigenvalues[i]}`);
  }
});

test('orthogonal similarity invariants: trace and Frobenius norm survive the bulge chasing', async () => {
  const n = 70;
  const b = 6;
  const a = randomSymmetric(n, 11);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Math.abs(i - j) > b) a[i * n + j] = 0;
  const tri = await bandToTridiagonal(toBand(a, n, b));
  let trace = 0;
  let frob = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  for (const x of a) frob += x * x;
  let triTrace = 0;
  let triFrob = 0;
  for (const x of tri.diagonal) {
    triTrace += x;
    triFrob += x * x;
  }
  for (const x of tri.offDiagonal) triFrob += 2 * x * x;
  assert.ok(Math.abs(trace - triTrace) < 1e-12 * Math.sqrt(frob), `trace ${trace} vs ${triTrace}`);
  assert.ok(Math.abs(frob - triFrob) < 1e-12 * frob, `‖A‖² ${frob} vs ${triFrob}`);
});

test('recorded reflectors map tridiagonal eigenvectors back to eigenvectors of the band matrix', async () => {
  for (const [n, b] of [
    [50, 3],
    [64, 63],
    [90, 10],
  ]) {
    const a = randomSymmetric(n, n + b);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Math.abs(i - j) > b) a[i * n + j] = 0;
    const tri = await bandToTridiagonal(toBand(a, n, b), { keepReflectors: true });
    assert.ok(tri.reflectors);
    const eig = await tridiagonalEigen(tri.diagonal, tri.offDiagonal, { vectors: true });
    const rows = eig.vectorRows as Float64Array;
    const y = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let r = 0; r < n; r++) y[r * n + i] = rows[i * n + r];
    await applyBandReflectors(tri.reflectors, y, n, n);
    const { residual, orthogonality } = eigenResiduals(a, eig.values, y, n);
    assert.ok(residual < 1e-12 * maxAbs(a) * n, `n=${n} b=${b}: residual ${residual}`);
    assert.ok(orthogonality < 1e-12, `n=${n} b=${b}: orthogonality ${orthogonality}`);
  }
});

test("reflectors kept in the caller's workspace are applied in place, as the copied ones are", async () => {
  const n = 300;
  const b = 12;
  const a = randomSymmetric(n, 7);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Math.abs(i - j) > b) a[i * n + j] = 0;
  const copied = await bandToTridiagonal(toBand(a, n, b), { keepReflectors: true });
  const ws = new WasmWorkspace();
  const kept = await bandToTridiagonal(toBand(a, n, b), { keepReflectors: true, ws });
  assert.ok(copied.reflectors && kept.reflectors);
  assert.equal(copied.reflectors.workspace, undefined);
  assert.equal(kept.reflectors.workspace?.ws, ws, 'the reflectors lie in the given workspace');
  assert.deepEqual(Array.from(kept.reflectors.vectors), Array.from(copied.reflectors.vectors));
  // The workspace is used again on top of them (as eigh's tridiagonal stage does) before they are applied.
  const eig = await tridiagonalEigen(kept.diagonal, kept.offDiagonal, { vectors: true, columns: true, ws });
  const y1 = (eig.vectorColumns as Float64Array).slice();
  const y2 = y1.slice();
  await applyBandReflectors(copied.reflectors, y1, n, n);
  await applyBandReflectors(kept.reflectors, y2, n, n, { ws });
  assert.deepEqual(y2, y1);
  const { residual, orthogonality } = eigenResiduals(a, eig.values, y2, n);
  assert.ok(residual < 1e-12 * maxAbs(a) * n, `residual ${residual}`);
  assert.ok(orthogonality < 1e-12, `orthogonality ${orthogonality}`);
});

test('the two-thread pipelined sweeps give bit for bit the single-thread result (values and reflectors)', async () => {
  const n = 600;
  const b = 20;
  const a = randomSymmetric(n, 99);
  const one = await bandToTridiagonal(toBand(a, n, b), { keepReflectors: true, singleThread: true });
  const two = await bandToTridiagonal(toBand(a, n, b), { keepReflectors: true });
  assert.deepEqual(two.diagonal, one.diagonal);
  assert.deepEqual(two.offDiagonal, one.offDiagonal);
  assert.ok(one.reflectors && two.reflectors);
  assert.equal(two.reflectors.count, one.reflectors.count);
  assert.deepEqual(two.reflectors.rows, one.reflectors.rows);
  assert.deepEqual(two.reflectors.taus, one.reflectors.taus);
  assert.deepEqual(two.reflectors.vectors, one.reflectors.vectors);
  // And the result is right: the 2-D Laplacian's closed form through the threaded path.
  const { matrix, n: m, eigenvalues } = gridLaplacian(24, 25);
  const tri = await bandToTridiagonal(toBand(matrix, m, 24));
  const { values } = await tridiagonalEigen(tri.diagonal, tri.offDiagonal);
  for (let i = 0; i < m; i++) assert.ok(Math.abs(values[i] - eigenvalues[i]) < 1e-12, `λ${i}: ${values[i]} vs ${eigenvalues[i]}`);
});

test('bad band storage is refused with a clear message', async () => {
  await assert.rejects(bandToTridiagonal({ n: 10, b: 3, ld: 4, data: new Float64Array(40) }), /leading dimension ≥ 7, got 4/);
});
