import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigh, DENSE_MAX } from '../../../../src/analysis/linalg/eigh';
import { CancelledError } from '../../../../src/analysis/jobs';
import { ascending, eigenResiduals, frobenius, gridLaplacian, maxAbs, randomOrthogonal, randomSymmetric, withSpectrum } from './helpers';

/** Small bands and blocks push little matrices through every branch of the ORT stage. */
const SMALL_STAGES = { band: 4, panelsPerBlock: 3, denseMax: 8, splitMin: 8 };

test('diagonal matrix: sorted diagonal and unit eigenvectors', async () => {
  const diag = [4, -2, 0, 9, -2, 1.5];
  const n = diag.length;
  const a = new Float64Array(n * n);
  diag.forEach((x, i) => (a[i * n + i] = x));
  const { values, vectors } = await eigh({ rows: n, cols: n, data: a }, { vectors: true });
  assert.deepEqual(Array.from(values), [-2, -2, 0, 1.5, 4, 9]);
  assert.ok(vectors);
  for (let i = 0; i < n; i++) {
    const col: number[] = Array.from({ length: n }, (_, r) => Math.abs(vectors.data[r * n + i]));
    assert.equal(Math.max(...col), 1);
    assert.equal(
      col.reduce((s, x) => s + x, 0),
      1,
    );
  }
});

test('Q·diag(λ)·Qᵀ with random orthogonal Q recovers λ (repeated, negative, zero), on every path', async () => {
  const cases = [
    { n: 60, tuning: undefined, what: 'WASM dense path' },
    { n: 97, tuning: SMALL_STAGES, what: 'ORT stage 1, small blocks' },
    { n: DENSE_MAX + 41, tuning: undefined, what: 'ORT stage 1, default blocks' },
  ];
  for (const { n, tuning, what } of cases) {
    const lambda = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 3 : i % 11 === 0 ? 0 : Math.sin(i) * 50 - i / 4));
    const a = withSpectrum(randomOrthogonal(n, n), lambda);
    const { values } = await eigh({ rows: n, cols: n, data: a }, { tuning });
    const expected = ascending(lambda);
    const scale = maxAbs(lambda);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] - expected[i]) < 1e-12 * scale * Math.sqrt(n), `${what} λ${i}: ${values[i]} vs ${expected[i]}`);
  }
});

test('grid Laplacian: closed-form eigenvalues through stage 1 with several blocks and a short last panel', async () => {
  const { matrix, n, eigenvalues } = gridLaplacian(12, 9); // n = 108: blocks of 12 columns, remainder < band
  // splitMin: row-block (symmetric) trailing updates on the first two, one plain Gemm on the last.
  for (const tuning of [
    SMALL_STAGES,
    { band: 5, panelsPerBlock: 2, denseMax: 10, splitMin: 4 },
    { band: 16, panelsPerBlock: 1, denseMax: 20, splitMin: 1000 },
  ]) {
    const { values } = await eigh({ rows: n, cols: n, data: matrix }, { tuning });
    for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] - eigenvalues[i]) < 1e-12, `band ${tuning.band} λ${i}: ${values[i]} vs ${eigenvalues[i]}`);
  }
});

test('random symmetric matrices: ‖Av − λv‖/‖A‖ < 1e-10 and VᵀV = I on every path', async () => {
  const cases = [
    { n: 150, tuning: undefined },
    { n: 130, tuning: SMALL_STAGES },
    { n: 200, tuning: { band: 8, panelsPerBlock: 4, denseMax: 16, splitMin: 50 } },
    { n: DENSE_MAX + 16, tuning: undefined },
  ];
  for (const { n, tuning } of cases) {
    const a = randomSymmetric(n, 1000 + n);
    const { values, vectors } = await eigh({ rows: n, cols: n, data: a }, { vectors: true, tuning });
    assert.ok(vectors && vectors.rows === n && vectors.cols === n);
    for (let i = 1; i < n; i++) assert.ok(values[i - 1] <= values[i], 'ascending');
    const { residual, orthogonality } = eigenResiduals(a, values, vectors.data, n);
    assert.ok(residual / frobenius(a) < 1e-10, `n=${n} band=${tuning?.band ?? 'default'}: relative residual ${residual / frobenius(a)}`);
    assert.ok(orthogonality < 1e-10, `n=${n}: orthogonality ${orthogonality}`);
  }
});

test('float32 input (a Gram matrix) gives the same result as its float64 copy', async () => {
  const n = 90;
  const x = randomSymmetric(n, 5);
  const gram = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += x[i * n + k] * x[j * n + k];
      gram[i * n + j] = gram[j * n + i] = s;
    }
  const a = await eigh({ rows: n, cols: n, data: gram }, { tuning: SMALL_STAGES });
  const b = await eigh({ rows: n, cols: n, data: Float64Array.from(gram) });
  for (let i = 0; i < n; i++) assert.ok(Math.abs(a.values[i] - b.values[i]) < 1e-12 * b.values[n - 1]);
  assert.ok(a.values[0] > -1e-10 * a.values[n - 1], 'a Gram matrix is positive semi-definite');
});

test("the caller's matrix is never modified: exactly symmetric (used in place) or not (averaged copy)", async () => {
  for (const tuning of [undefined, SMALL_STAGES, { band: 8, panelsPerBlock: 2, denseMax: 16, splitMin: 20 }]) {
    const n = 140;
    const exact = randomSymmetric(n, 77);
    const before = exact.slice();
    const { values, vectors } = await eigh({ rows: n, cols: n, data: exact }, { vectors: true, tuning });
    assert.deepEqual(exact, before, 'exactly symmetric input left as it was');
    const { residual } = eigenResiduals(exact, values, (vectors as { data: Float64Array }).data, n);
    assert.ok(residual / frobenius(exact) < 1e-10);
    // One pair of mirrored entries off by rounding: the copy path, whose result is that of the average.
    const skewed = exact.slice();
    skewed[3 * n + 1] += 1e-9;
    const skewedBefore = skewed.slice();
    const averaged = exact.slice();
    averaged[3 * n + 1] += 5e-10;
    averaged[1 * n + 3] += 5e-10;
    const got = await eigh({ rows: n, cols: n, data: skewed }, { tuning });
    const want = await eigh({ rows: n, cols: n, data: averaged }, { tuning });
    assert.deepEqual(skewed, skewedBefore, 'asymmetric input left as it was');
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got.values[i] - want.values[i]) < 1e-12 * maxAbs(Array.from(want.values)), `λ${i}`);
  }
});

test('tiny orders: 0×0 and 1×1', async () => {
  const empty = await eigh({ rows: 0, cols: 0, data: new Float64Array(0) }, { vectors: true });
  assert.equal(empty.values.length, 0);
  assert.equal(empty.vectors?.data.length, 0);
  const one = await eigh({ rows: 1, cols: 1, data: Float32Array.of(-2.5) }, { vectors: true });
  assert.deepEqual(Array.from(one.values), [-2.5]);
  assert.deepEqual(Array.from(one.vectors?.data ?? []), [1]);
});

test('slight float32 asymmetry is averaged; real asymmetry, bad shapes and NaN are refused', async () => {
  const a = Float32Array.of(2, 1, 1.0000001, 3);
  const { values } = await eigh({ rows: 2, cols: 2, data: a });
  const b = 1.00000005;
  const r = Math.hypot(0.5, b);
  assert.ok(Math.abs(values[0] - (2.5 - r)) < 1e-7 && Math.abs(values[1] - (2.5 + r)) < 1e-7);
  await assert.rejects(eigh({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4) }), /not symmetric: entries \(1, 0\) and \(0, 1\) differ by 1/);
  await assert.rejects(eigh({ rows: 2, cols: 3, data: new Float64Array(6) }), /square symmetric matrix, got 2×3/);
  await assert.rejects(eigh({ rows: 3, cols: 3, data: new Float64Array(8) }), /8 values, expected 3×3/);
  await assert.rejects(eigh({ rows: 2, cols: 2, data: Float64Array.of(1, NaN, NaN, 1) }), /entry \(0, 1\) is NaN/);
  await assert.rejects(eigh({ rows: 3, cols: 3, data: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, Infinity) }), /entry \(2, 2\) is Infinity/);
  // Non-finite on one side of the diagonal only: still named as non-finite, not as asymmetry.
  await assert.rejects(eigh({ rows: 3, cols: 3, data: Float64Array.of(1, 0, 0, 0, 1, 0, -Infinity, 0, 1) }), /entry \(2, 0\) is -Infinity/);
});

test('cancellation before and during the work throws CancelledError; progress rises to 1000', async () => {
  const n = 120;
  const a = { rows: n, cols: n, data: randomSymmetric(n, 3) };
  const before = new AbortController();
  before.abort();
  await assert.rejects(eigh(a, { signal: before.signal, tuning: SMALL_STAGES }), CancelledError);
  const during = new AbortController();
  let calls = 0;
  await assert.rejects(eigh(a, { signal: during.signal, tuning: SMALL_STAGES, onProgress: () => ++calls === 3 && during.abort() }), CancelledError);
  const seen: number[] = [];
  await eigh(a, { tuning: SMALL_STAGES, onProgress: (p) => (assert.equal(p.total, 1000), seen.push(p.done)) });
  assert.ok(seen.length > 3);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], 'progress never goes back');
});

test('overwrite: the reduction works in the caller’s array, with the values and vectors of the copying path', async () => {
  // Row blocks of a few KB: trailing updates and the back-transformation each go through many row blocks.
  for (const tuning of [
    undefined,
    { ...SMALL_STAGES, rowBlockBytes: 8 * 40 * 3 },
    { band: 8, panelsPerBlock: 2, denseMax: 16, splitMin: 20, rowBlockBytes: 4096 },
  ]) {
    const n = 430;
    const lambda = Array.from({ length: n }, (_, i) => Math.cos(i) * 20 + (i % 13 === 0 ? 7 : 0));
    const a = withSpectrum(randomOrthogonal(n, 3), lambda);
    const kept = a.slice();
    const copying = await eigh({ rows: n, cols: n, data: a }, { vectors: true, tuning });
    assert.deepEqual(a, kept, 'without overwrite the input stays');
    const inPlace = await eigh({ rows: n, cols: n, data: a }, { vectors: true, overwrite: true, tuning });
    assert.notDeepEqual(a, kept, 'with overwrite the input is the work buffer');
    assert.deepEqual(inPlace.values, copying.values);
    assert.deepEqual(inPlace.vectors?.data, copying.vectors?.data);
    const expected = ascending(lambda);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(inPlace.values[i] - expected[i]) < 1e-12 * 27 * Math.sqrt(n), `λ${i}`);
    const { residual, orthogonality } = eigenResiduals(kept, inPlace.values, (inPlace.vectors as { data: Float64Array }).data, n);
    assert.ok(residual / frobenius(kept) < 1e-10, `residual ${residual / frobenius(kept)}`);
    assert.ok(orthogonality < 1e-10, `orthogonality ${orthogonality}`);
  }
});
