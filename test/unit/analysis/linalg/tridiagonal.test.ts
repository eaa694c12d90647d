import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tridiagonalEigen } from '../../../../src/analysis/linalg/tridiagonal';
import { ascending, seeded } from './helpers';

/** The 1-2-1 matrix (2 on the diagonal, −1 beside it): λ_k = 2 − 2cos(kπ/(n+1)), k = 1..n. */
function oneTwoOne(n: number) {
  const expected = ascending(Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))));
  return { d: new Float64Array(n).fill(2), e: new Float64Array(n - 1).fill(-1), expected };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
  }
}

test('1-2-1 matrix: eigenvalues are 2 − 2cos(kπ/(n+1)) on both the values-only and the vectors path', async () => {
  for (const n of [1, 2, 3, 17, 200]) {
    const { d, e, expected } = oneTwoOne(n);
    const values = (await tridiagonalEigen(d, e)).values;
    assertClose(values, expected, 1e-13, `values-only n=${n}`);
    const withVectors = await tridiagonalEigen(d, e, { vectors: true });
    assertClose(withVectors.values, expected, 1e-13, `with vectors n=${n}`);
  }
});

test('1-2-1 matrix: eigenvector k is ±√(2/(n+1))·sin(jkπ/(n+1))', async () => {
  const n = 40;
  const { d, e } = oneTwoOne(n);
  const { vectorRows } = await tridiagonalEigen(d, e, { vectors: true });
  assert.ok(vectorRows);
  for (let k = 1; k <= n; k++) {
    // Ascending order puts λ_k at index k − 1.
    const row = vectorRows.subarray((k - 1) * n, k * n);
    const exact = Array.from({ length: n }, (_, j) => Math.sqrt(2 / (n + 1)) * Math.sin(((j + 1) * k * Math.PI) / (n + 1)));
    const sign = Math.sign(row[0] * exact[0]) || 1;
    for (let j = 0; j < n; j++) assert.ok(Math.abs(sign * row[j] - exact[j]) < 1e-12, `vector ${k} entry ${j}: ${row[j]} vs ${exact[j]}`);
  }
});

test('zero off-diagonal: the eigenvalues are the sorted diagonal, the vectors unit vectors', async () => {
  const d = Float64Array.of(3, -1, 3, 0, -7.5, 2);
  const { values, vectorRows } = await tridiagonalEigen(d, new Float64Array(5), { vectors: true });
  assert.deepEqual(Array.from(values), [-7.5, -1, 0, 2, 3, 3]);
  assert.ok(vectorRows);
  for (let i = 0; i < 6; i++) {
    const row: number[] = Array.from(vectorRows.subarray(i * 6, i * 6 + 6), (x) => Math.abs(x));
    assert.equal(row.filter((x) => x === 1).length, 1, `row ${i} is a unit vector`);
    assert.equal(d[row.indexOf(1)], values[i]);
  }
});

test('2×2 closed form (a+c)/2 ± √(((a−c)/2)² + b²), including tiny and huge couplings', async () => {
  for (const [a, b, c] of [
    [1, 2, 3],
    [5, 1e-12, 5],
    [-3, 1e150, 4],
    [1e-200, 3e-200, -2e-200],
  ]) {
    const mid = (a + c) / 2;
    const r = Math.hypot((a - c) / 2, b);
    for (const vectors of [false, true]) {
      const { values } = await tridiagonalEigen(Float64Array.of(a, c), Float64Array.of(b), { vectors });
      const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c));
      assertClose(values, [mid - r, mid + r], 4e-16 * scale, `a=${a} b=${b} c=${c} vectors=${vectors}`);
    }
  }
});

test('random tridiagonal: values-only and vectors paths agree, vectors satisfy T·v = λ·v', async () => {
  const random = seeded(7);
  const n = 120;
  const d = Float64Array.from({ length: n }, () => random() * 4 - 2);
  const e = Float64Array.from({ length: n - 1 }, () => random() * 2 - 1);
  const a = await tridiagonalEigen(d, e);
  const b = await tridiagonalEigen(d, e, { vectors: true });
  assertClose(a.values, b.values, 1e-13, 'paths');
  const rows = b.vectorRows as Float64Array;
  for (let i = 0; i < n; i++) {
    const v = rows.subarray(i * n, i * n + n);
    let res = 0;
    for (let j = 0; j < n; j++) {
      const tv = d[j] * v[j] + (j > 0 ? e[j - 1] * v[j - 1] : 0) + (j + 1 < n ? e[j] * v[j + 1] : 0);
      res = Math.max(res, Math.abs(tv - b.values[i] * v[j]));
    }
    assert.ok(res < 1e-13, `residual of vector ${i}: ${res}`);
  }
  // Inputs are left untouched.
  assert.equal(d.length, n);
});

test('bad input: off-diagonal of the wrong length, and NaN, give clear errors', async () => {
  await assert.rejects(tridiagonalEigen(new Float64Array(4), new Float64Array(4)), /order 4 has 3 off-diagonal entries, got 4/);
  await assert.rejects(tridiagonalEigen(Float64Array.of(1, NaN, 2), Float64Array.of(1, 1)), /did not converge/);
});
