import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { bf16Destination } from '../../../../../src/analysis/io/bf16Wasm';
import { transpose, type Matrix } from '../../../../../src/analysis/linalg/matrix';
import { prepareCompared } from '../../../../../src/analysis/methods/similarity/compared';
import { docsOfNormalized, normalizedRows, normalizeRowsInPlace } from '../../../../../src/analysis/methods/similarity/docs';
import { encodeValues } from '../../../../fixtures/safetensorsWriter';
import { randomMatrix } from '../../engine/random';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

const copy = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: m.data.slice() });
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** A random matrix with a zero row, a tiny row and a huge row, where a careless norm would under- or overflow. */
function awkward(rows: number, cols: number, seed: number): Matrix {
  const m = randomMatrix(rows, cols, seed);
  m.data.fill(0, 0, cols);
  for (let j = 0; j < cols; j++) {
    m.data[cols + j] *= 1e-30;
    m.data[2 * cols + j] *= 1e30;
  }
  return m;
}

test('normalizeRowsInPlace scales each row to unit length in the matrix own memory, bit-identical to normalizedRows', () => {
  const w = awkward(37, 29, 5);
  const original = copy(w);
  const expected = normalizedRows(original);
  const data = w.data;
  const r = normalizeRowsInPlace(w);
  assert.equal(r, w);
  assert.equal(r.data, data, 'no new array');
  assert.deepEqual(bits(r.data), bits(expected.data));
  // Closed form, independently in float64: row i is w_i / ‖w_i‖, a zero row stays zero.
  for (let i = 0; i < w.rows; i++) {
    let s = 0;
    for (let j = 0; j < w.cols; j++) s += original.data[i * w.cols + j] ** 2;
    for (let j = 0; j < w.cols; j++) {
      const want = s > 0 ? original.data[i * w.cols + j] / Math.sqrt(s) : 0;
      assert.ok(Math.abs(r.data[i * w.cols + j] - want) <= 1e-7 * Math.max(1, Math.abs(want)), `row ${i}, column ${j}`);
    }
  }
  assert.ok(r.data.subarray(0, w.cols).every((v) => v === 0));
});

test('prepareCompared, comparing rows for DOCS alone, normalises the read matrix without a second copy', async () => {
  const engine = await cpu();
  const w = awkward(24, 40, 7);
  const expected = normalizedRows(copy(w));
  const data = w.data;
  const c = await prepareCompared(engine, { matrix: w, flag: null }, 'rows', { raw: false, docs: true }, ['docs']);
  assert.equal(c.raw, undefined);
  assert.equal(c.normalized?.data, data, 'the read buffer itself holds the normalised rows');
  assert.deepEqual(bits(c.normalized.data), bits(expected.data));
});

test('prepareCompared with a baseline index keeps the oriented matrix unnormalised beside the normalised one', async () => {
  const engine = await cpu();
  const w = randomMatrix(24, 40, 8);
  const original = copy(w);
  const c = await prepareCompared(engine, { matrix: w, flag: null }, 'rows', { raw: true, docs: true }, ['docs', 'cka']);
  assert.deepEqual(c.raw, transpose(original), 'raw is Wᵀ of the values as read');
  assert.deepEqual(bits(c.normalized!.data), bits(normalizedRows(original).data));
  assert.ok(c.features.cka, 'features prepared from the raw matrix');
  // Columns: W itself is the raw matrix and must stay as read.
  const v = randomMatrix(24, 40, 9);
  const vOriginal = copy(v);
  const d = await prepareCompared(engine, { matrix: v, flag: null }, 'columns', { raw: true, docs: true }, ['docs']);
  assert.deepEqual(d.raw, vOriginal);
  assert.deepEqual([d.normalized!.rows, d.normalized!.cols], [40, 24]);
});

test('DOCS of rows normalised in a WebAssembly.Memory (the BF16 read path) equals DOCS of the same rows in an ordinary array', async () => {
  const engine = await cpu();
  // Large enough to be read through the WASM BF16 path (tensorReader's WASM_MIN_VALUES), small enough to be quick.
  const rows = 256,
    cols = 512,
    n = rows * cols;
  const sides = [11, 12].map((seed) => {
    const bf16 = encodeValues('BF16', randomMatrix(rows, cols, seed).data);
    const dest = bf16Destination(n);
    assert.ok(dest, 'WASM SIMD available');
    dest.rawSlot(0, n).set(bf16);
    dest.expand(0, n);
    const plain = normalizedRows({ rows, cols, data: dest.out.slice() });
    return { wasm: normalizeRowsInPlace({ rows, cols, data: dest.out }), plain };
  });
  for (const integer of ['never', 'always'] as const) {
    const a = await docsOfNormalized(engine, sides[0].wasm, sides[1].wasm, { integer });
    const b = await docsOfNormalized(engine, sides[0].plain, sides[1].plain, { integer });
    assert.equal(a.docsPath, b.docsPath);
    assert.deepEqual(bits(a.rowMax), bits(b.rowMax), integer);
    assert.deepEqual(bits(a.colMax), bits(b.colMax), integer);
    assert.equal(a.docs, b.docs);
  }
});
