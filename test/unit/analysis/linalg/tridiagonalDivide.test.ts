// Tridiagonal eigenvectors by divide and conquer (above DIVIDE_MIN) against the QL iteration and
// closed forms: eigenvalues, residuals ‖T·v − λ·v‖ and orthogonality VᵀV = I, on random matrices
// and on the inputs that exercise deflation (split matrices, repeated and clustered eigenvalues).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tridiagonalEigen, DIVIDE_MIN } from '../../../../src/analysis/linalg/tridiagonal';
import { divideAndConquer, multiplyPlain, multiplyPlainNN, transposeRowsInPlace } from '../../../../src/analysis/linalg/tridiagonalDivide';
import { seeded } from './helpers';

function norm1(d: Float64Array, e: Float64Array): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < e.length ? Math.abs(e[i]) : 0));
  return m;
}

/** Largest |T·v − λ·v| over all pairs, and largest |VᵀV − I| (plain float64 loops). */
function check(d: Float64Array, e: Float64Array, values: Float64Array, rows: Float64Array): { residual: number; orthogonality: number } {
  const n = d.length;
  let residual = 0,
    orthogonality = 0;
  for (let i = 0; i < n; i++) {
    const v = rows.subarray(i * n, i * n + n);
    for (let j = 0; j < n; j++) {
      const tv = d[j] * v[j] + (j > 0 ? e[j - 1] * v[j - 1] : 0) + (j + 1 < n ? e[j] * v[j + 1] : 0);
      residual = Math.max(residual, Math.abs(tv - values[i] * v[j]));
    }
    for (let k = 0; k <= i; k++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += v[j] * rows[k * n + j];
      orthogonality = Math.max(orthogonality, Math.abs(dot - (i === k ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

async function assertGood(d: Float64Array, e: Float64Array, what: string): Promise<void> {
  const n = d.length;
  assert.ok(n > DIVIDE_MIN, `${what}: n = ${n} must take the divide-and-conquer path`);
  const values = (await tridiagonalEigen(d, e)).values;
  const r = await tridiagonalEigen(d, e, { vectors: true });
  const scale = norm1(d, e);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(values[i] - r.values[i]));
  assert.ok(worst <= 2e-16 * n * scale, `${what}: eigenvalues differ from the values-only path by ${worst} (‖T‖ ${scale})`);
  for (let i = 1; i < n; i++) assert.ok(r.values[i] >= r.values[i - 1], `${what}: values not ascending at ${i}`);
  const { residual, orthogonality } = check(d, e, r.values, r.vectorRows as Float64Array);
  assert.ok(residual <= 2e-16 * n * scale, `${what}: residual ${residual}`);
  assert.ok(orthogonality <= 2e-16 * n, `${what}: |VᵀV − I| = ${orthogonality}`);
}

test('random tridiagonal (n = 400): values, residuals and orthogonality', async () => {
  const random = seeded(11);
  const n = 400;
  await assertGood(
    Float64Array.from({ length: n }, () => random() * 4 - 2),
    Float64Array.from({ length: n - 1 }, () => random() * 2 - 1),
    'random',
  );
});

test('1-2-1 matrix (n = 257): closed-form values 2 − 2cos(kπ/(n+1)) and vectors ±√(2/(n+1))·sin(jkπ/(n+1))', async () => {
  const n = 257;
  const d = new Float64Array(n).fill(2),
    e = new Float64Array(n - 1).fill(-1);
  const r = await tridiagonalEigen(d, e, { vectors: true });
  const rows = r.vectorRows as Float64Array;
  for (let k = 1; k <= n; k++) {
    const exact = 2 - 2 * Math.cos((k * Math.PI) / (n + 1));
    assert.ok(Math.abs(r.values[k - 1] - exact) < 1e-13, `λ${k}: ${r.values[k - 1]} vs ${exact}`);
    const v = rows.subarray((k - 1) * n, k * n);
    const s = Math.sign(v[0]);
    for (let j = 1; j <= n; j += 17) {
      const ref = Math.sqrt(2 / (n + 1)) * Math.sin((j * k * Math.PI) / (n + 1));
      assert.ok(Math.abs(s * v[j - 1] - ref) < 1e-11, `v${k}[${j}]: ${s * v[j - 1]} vs ${ref}`);
    }
  }
});

test('deflation: a split matrix with repeated blocks (exactly repeated eigenvalues)', async () => {
  // Four identical 50×50 blocks with zero couplings between them: every eigenvalue is fourfold.
  const random = seeded(3);
  const b = 50,
    blockD = Array.from({ length: b }, () => random()),
    blockE = Array.from({ length: b - 1 }, () => random() - 0.5);
  const d = Float64Array.from({ length: 4 * b }, (_, i) => blockD[i % b]);
  const e = Float64Array.from({ length: 4 * b - 1 }, (_, i) => (i % b === b - 1 ? 0 : blockE[i % b]));
  await assertGood(d, e, 'repeated blocks');
});

test('deflation: glued Wilkinson matrices (tight clusters) and a constant diagonal with tiny couplings', async () => {
  // W21+ (diagonal |10 − i|, off-diagonal 1) glued 8 times by 1e-10: eigenvalues in clusters of 8
  // within ~1e-10, and W21+'s own top pairs agree to ~1e-14.
  const w = Array.from({ length: 21 }, (_, i) => Math.abs(10 - i));
  const copies = 8,
    n = 21 * copies;
  const d = Float64Array.from({ length: n }, (_, i) => w[i % 21]);
  const e = Float64Array.from({ length: n - 1 }, (_, i) => (i % 21 === 20 ? 1e-10 : 1));
  await assertGood(d, e, 'glued Wilkinson');
  // Identity plus couplings far below rounding: numerically a multiple of the identity.
  const m = 150;
  await assertGood(new Float64Array(m).fill(1), new Float64Array(m - 1).fill(1e-300), 'tiny couplings');
});

test('graded and negative entries, and a zero matrix', async () => {
  const n = 200;
  const d = Float64Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 10 ** -(i % 7));
  const e = Float64Array.from({ length: n - 1 }, (_, i) => 10 ** -(i % 5) * 0.5);
  await assertGood(d, e, 'graded');
  const z = await tridiagonalEigen(new Float64Array(n), new Float64Array(n - 1), { vectors: true });
  assert.ok(z.values.every((v) => v === 0));
  assert.ok(check(new Float64Array(n), new Float64Array(n - 1), z.values, z.vectorRows as Float64Array).orthogonality < 1e-15);
});

test('extreme scales (1e±150) and near-deflation (tiny couplings, poles 1e-12 apart)', async () => {
  const random = seeded(13);
  const n = 150;
  for (const scale of [1e150, 1e-150]) {
    await assertGood(
      Float64Array.from({ length: n }, () => scale * (random() - 0.5)),
      Float64Array.from({ length: n - 1 }, () => scale * (random() - 0.5)),
      `scale ${scale}`,
    );
  }
  await assertGood(
    Float64Array.from({ length: n }, (_, i) => i / n),
    new Float64Array(n - 1).fill(1e-8),
    'tiny couplings',
  );
  await assertGood(
    Float64Array.from({ length: n }, (_, i) => Math.floor(i / 2) + (i % 2) * 1e-12),
    Float64Array.from({ length: n - 1 }, () => 0.1 * random()),
    'close pairs',
  );
});

test('a tiny sub-block, a graded matrix and a maximum entry near 2^1024 (found by an adversarial review)', async () => {
  const random = seeded(17);
  const n = 300;
  // Most of the matrix 1e-140 of the largest entry: the vectors' norms overflowed (zero vectors).
  const d = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 1e-140 * random()));
  const e = Float64Array.from({ length: n - 1 }, (_, i) => (i === 0 ? 0 : 1e-140 * random()));
  await assertGood(d, e, 'tiny sub-block');
  // Graded 1e150 … 1e-150: each leaf now rescaled to its own size (the QL leaves did not converge).
  await assertGood(
    Float64Array.from({ length: 200 }, (_, i) => 10 ** (150 - (300 * i) / 199)),
    Float64Array.from({ length: 199 }, (_, i) => 10 ** (150 - (300 * (i + 0.5)) / 199)),
    'graded',
  );
  // Largest entry 1.3e308: the power-of-two scale rounded up to 2^1024 = Infinity.
  await assertGood(
    Float64Array.from({ length: 250 }, (_, i) => (i === 0 ? 1.3e308 : 1e307 * random())),
    Float64Array.from({ length: 249 }, () => 1e307 * random()),
    'near the top of the range',
  );
});

test('divide and conquer agrees with the QL iteration on the same matrix', async () => {
  const random = seeded(5);
  const n = 160;
  const d = Float64Array.from({ length: n }, () => random() * 2 - 1),
    e = Float64Array.from({ length: n - 1 }, () => random() * 2 - 1);
  const dc = await tridiagonalEigen(d, e, { vectors: true });
  const ql = await tridiagonalEigen(d, e, { vectors: true, divideMin: Infinity });
  const a = dc.vectorRows as Float64Array,
    b = ql.vectorRows as Float64Array;
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(dc.values[i] - ql.values[i]) < 1e-13, `λ${i}`);
    // Distinct eigenvalues: the vectors agree up to sign.
    let dot = 0;
    for (let j = 0; j < n; j++) dot += a[i * n + j] * b[i * n + j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-10, `vector ${i}: |cos| = ${Math.abs(dot)}`);
  }
});

test('cancellation stops the divide-and-conquer path', async () => {
  const n = 600;
  const random = seeded(9);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    tridiagonalEigen(Float64Array.from({ length: n }, random), Float64Array.from({ length: n - 1 }, random), { vectors: true, signal: controller.signal }),
    /cancel/i,
  );
});

test('merges whose products reach the result in many row blocks give the one-block result', async () => {
  const n = 300;
  const random = seeded(31);
  const d = Float64Array.from({ length: n }, () => random() * 4 - 2);
  const e = Float64Array.from({ length: n - 1 }, () => random() - 0.5);
  const leaf = async (dd: Float64Array, ee: Float64Array) => {
    const r = await tridiagonalEigen(dd, ee, { vectors: true, columns: true, divideMin: Infinity });
    return { values: r.values, vectors: r.vectorColumns as Float64Array };
  };
  const base = { leaf, leafSize: 24, multiply: multiplyPlain };
  const whole = await divideAndConquer(d, e, base);
  // 8·n·3 bytes: three rows of the top merge's product at a time.
  const blocked = await divideAndConquer(d, e, { ...base, productBlockBytes: 8 * n * 3 });
  assert.deepEqual(blocked.values, whole.values);
  assert.deepEqual(blocked.vectors, whole.vectors);
  // Columns are the vectors: rows of the transpose for check().
  const rows = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rows[i * n + j] = blocked.vectors[j * n + i];
  const { residual, orthogonality } = check(d, e, blocked.values, rows);
  assert.ok(residual < 1e-13 * norm1(d, e) * n, `residual ${residual}`);
  assert.ok(orthogonality < 1e-12, `orthogonality ${orthogonality}`);
});

test('transposeRowsInPlace gives the transpose with its rows permuted, across tiles and permutation cycles', () => {
  const K = 130;
  const random = seeded(41);
  const u = Float64Array.from({ length: K * K }, random);
  const order = Array.from({ length: K }, (_, i) => i);
  for (let i = K - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const expected = new Float64Array(K * K);
  for (let p = 0; p < K; p++) for (let j = 0; j < K; j++) expected[p * K + j] = u[j * K + order[p]];
  transposeRowsInPlace(u, K, order);
  assert.deepEqual(u, expected);
});

test('merges by A·B on the transposed rank-one vectors (multiplyNN) and into a given array match the A·Bᵀ copy path to rounding', async () => {
  // Repeated diagonal entries make close poles: deflating rotations mix top and bottom columns, so
  // the components of both halves (top-only, both, bottom-only) all occur.
  const n = 300;
  const random = seeded(43);
  const d = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : random() * 4 - 2));
  const e = Float64Array.from({ length: n - 1 }, (_, i) => (i % 5 === 0 ? 1e-12 : random() - 0.5));
  const leaf = async (dd: Float64Array, ee: Float64Array) => {
    const r = await tridiagonalEigen(dd, ee, { vectors: true, columns: true, divideMin: Infinity });
    return { values: r.values, vectors: r.vectorColumns as Float64Array };
  };
  const base = { leaf, leafSize: 24, multiply: multiplyPlain, productBlockBytes: 8 * n * 7 };
  const copied = await divideAndConquer(d, e, base);
  const out = new Float64Array(n * n + 5).fill(Number.NaN);
  const transposed = await divideAndConquer(d, e, { ...base, multiplyNN: multiplyPlainNN, out });
  assert.equal(transposed.vectors.buffer, out.buffer, 'the result is written into the given array');
  // The values do not depend on the products; the vectors are the same sums in another order.
  assert.deepEqual(transposed.values, copied.values);
  let worst = 0;
  for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(transposed.vectors[i] - copied.vectors[i]));
  assert.ok(worst < 1e-13, `largest difference ${worst}`);
  const rows = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rows[i * n + j] = transposed.vectors[j * n + i];
  const { residual, orthogonality } = check(d, e, transposed.values, rows);
  assert.ok(residual < 1e-13 * norm1(d, e) * n, `residual ${residual}`);
  assert.ok(orthogonality < 1e-12, `orthogonality ${orthogonality}`);
});
