import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { quantizedRows, quantizedVectors, quantizeRows, type QuantizedRows } from '../../../../src/analysis/engine/kernels/int8Quantize';
import { quantizeLevel1 } from '../../../../src/analysis/engine/kernels/int8QuantizeWasm';
import type { Matrix } from '../../../../src/analysis/linalg/matrix';
import { normalizedColumns, normalizedRows } from '../../../../src/analysis/methods/similarity/docs';
import { gaussian, rng } from './random';

// The WASM level-1 quantizer against the path it replaces for fast DOCS: normalise (onnxruntime's
// columnNormalize for columns, scaleRowsToUnit for rows), then the JavaScript quantizer. Every
// output must be the same bit for bit.

/** A weight with rows of varied scale, zero and degenerate vectors on both sides. */
function weight(rows: number, cols: number, seed: number): Matrix {
  const rand = rng(seed);
  const data = new Float32Array(rows * cols);
  const rowScale = Array.from({ length: rows }, () => 10 ** (Math.floor(rand() * 6) - 4));
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = gaussian(rand) * rowScale[i] * (j % 13 === 0 ? 30 : 1);
  const w = { rows, cols, data };
  const setColumn = (j: number, f: (i: number) => number) => {
    for (let i = 0; i < rows; i++) data[i * cols + j] = f(i);
  };
  const setRow = (i: number, f: (j: number) => number) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = f(j);
  };
  setColumn(2, () => 0); // a zero column
  setColumn(cols - 1, (i) => (i % 3) * 1e-25); // float32 squares underflow: the 1e-30 floor of columnNormalize
  setColumn(5, (i) => (i % 2 ? 3e-41 : -1e-42)); // subnormal values
  setColumn(7, (i) => (i % 5) * 3e20); // the float32 sum of squares overflows
  setRow(1, () => 0); // a zero row
  setRow(rows - 2, (j) => (j % 4) * 1e-30);
  setColumn(9, (i) => (i === 3 ? 1 : 0)); // one nonzero entry: q = ±127 exactly
  return w;
}

function assertSame(got: QuantizedRows, want: QuantizedRows, what: string): void {
  assert.equal(got.m, want.m);
  assert.equal(got.n, want.n);
  for (const k of ['qA', 'qB', 'scale', 'norm', 'normA', 'normR'] as const) {
    const g = got[k],
      w = want[k];
    assert.equal(g.length, w.length, `${what}: ${k} length`);
    const bad = g.findIndex((v, i) => !Object.is(v, w[i]));
    assert.equal(bad, -1, `${what}: ${k}[${bad}] = ${g[bad]}, expected ${w[bad]}`);
  }
}

async function compare(w: Matrix, what: string): Promise<void> {
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  const cols = await quantizedRows(engine, await quantizedVectors(engine, w, 'columns', 1), 1);
  assertSame(cols, await quantizeRows(engine, await normalizedColumns(engine, w), 1), `${what}, columns`);
  const rows = await quantizedRows(engine, await quantizedVectors(engine, w, 'rows', 1), 1);
  assertSame(rows, await quantizeRows(engine, normalizedRows(w), 1), `${what}, rows`);
}

test('WASM level-1 quantizer: equal to normalise-then-quantize bit for bit, odd sizes and degenerate vectors', async () => {
  // Sizes around the 16-lane steps and 16×16 transpose tiles, and single vectors.
  for (const [r, c, seed] of [
    [33, 17, 1],
    [16, 16, 2],
    [47, 31, 3],
    [12, 10, 4],
    [130, 64, 5],
  ])
    await compare(weight(r, c, seed), `${r}×${c}`);
  await compare({ rows: 1, cols: 1, data: new Float32Array([-0.3]) }, '1×1');
  await compare({ rows: 3, cols: 1, data: new Float32Array([1, -2, 0.5]) }, '3×1');
});

test('WASM level-1 quantizer: several blocks of rows, ragged last blocks, two threads and one', async () => {
  // Columns: 4099 × 70 is 33 blocks of 128 rows; rows: 1003 vectors of 301 are two blocks of 864 and 139.
  await compare(weight(4099, 70, 6), '4099×70');
  await compare(weight(1003, 301, 7), '1003×301');
  // Large enough for the helper thread (where there are two cores): the same bits as one thread.
  const w = weight(2100, 2050, 8);
  await compare(w, '2100×2050');
  for (const side of ['columns', 'rows'] as const) assert.deepEqual(await quantizeLevel1(w, side), await quantizeLevel1(w, side, { singleThread: true }), side);
});

test('WASM level-1 quantizer: a kept memory holding an earlier, larger matrix gives the same results, also two at once', async () => {
  const big = weight(900, 400, 9),
    small = weight(61, 29, 10);
  const first = await quantizeLevel1(small, 'columns');
  await quantizeLevel1(big, 'columns');
  const again = await quantizeLevel1(small, 'columns'); // in memory the large one left nonzero
  assert.deepEqual(again, first);
  const [a, b] = await Promise.all([quantizeLevel1(small, 'rows'), quantizeLevel1(small, 'rows')]);
  assert.deepEqual(a, b);
  assert.deepEqual(a, await quantizeLevel1(small, 'rows'));
});

test('WASM level-1 quantizer: a vector holding NaN or Inf is refused by its index', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  for (const bad of [NaN, Infinity, -Infinity]) {
    const w = weight(40, 24, 11);
    w.data[6 * 24 + 19] = bad; // row 6, column 19
    await assert.rejects(quantizedVectors(engine, w, 'columns', 1), /vector 19 holds a NaN or Inf/);
    await assert.rejects(quantizedVectors(engine, w, 'rows', 1), /vector 6 holds a NaN or Inf/);
  }
});

test('WASM level-1 quantizer: quotients exactly on ties round half to even, in the SIMD lanes of both sides', async () => {
  // 254² + 31² + 7² + 3² + 1² = 256²: the unit vector is v / 256 exactly, s = (254/256)/127 = 1/128
  // exactly, and q = v / 2 = 127, −15.5, 3.5, −1.5, 0.5 → 127, −16, 4, −2, 0.
  const v = [254, -31, 7, -3, 1];
  const size = 17;
  const data = new Float32Array(size * size);
  v.forEach((x, i) => {
    data[i * size] = x; // column 0
    data[i] = x; // row 0
  });
  const w = { rows: size, cols: size, data };
  const want = [127, -16, 4, -2, 0];
  const cols = await quantizeLevel1(w, 'columns');
  assert.deepEqual(
    Array.from(cols.qA.subarray(0, 5), (a) => a - 128),
    want,
  );
  assert.deepEqual(
    Array.from({ length: 5 }, (_, i) => cols.qB[i * size]),
    want,
  );
  assert.equal(cols.scale[0], 1 / 128);
  const rows = await quantizeLevel1(w, 'rows');
  assert.deepEqual(
    Array.from(rows.qA.subarray(0, 5), (a) => a - 128),
    want,
  );
  assert.equal(rows.scale[0], 1 / 128);
  await compare(w, 'ties');
});
