import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { gram } from '../../../../src/analysis/engine/kernels/gram';
import { traceProducts, traceProductsOfTransposed } from '../../../../src/analysis/engine/kernels/traceProducts';
import { pearson, pearsonTransposed } from '../../../../src/analysis/engine/kernels/pearson';
import { GraphBuilder } from '../../../../src/analysis/engine/graph';
import { opsetFor, weightInput, weightTensor, type WeightData } from '../../../../src/analysis/engine/session';
import type { Matrix } from '../../../../src/analysis/linalg/matrix';
import { maxAbsDiff, randomMatrix, referenceMatmul } from './random';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

test('gram rows/cols match the triple loop and are exactly symmetric', async () => {
  const engine = await cpu();
  const w = randomMatrix(6, 11, 21);
  const rows = await gram(engine, w, 'rows');
  const cols = await gram(engine, w, 'cols');
  assert.deepEqual([rows.rows, cols.rows], [6, 11]);
  assert.ok(maxAbsDiff(rows.data, referenceMatmul(w, w, false, true)) < 1e-5);
  assert.ok(maxAbsDiff(cols.data, referenceMatmul(w, w, true, false)) < 1e-5);
  for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) assert.equal(cols.data[i * 11 + j], cols.data[j * 11 + i]);
});

/** sum, ‖·‖², trace and cc(M, I) of an explicit M = AᵀB, the last via the flattened Pearson. */
function explicit(a: Matrix, b: Matrix) {
  const m = referenceMatmul(a, b, true, false);
  const d = a.cols,
    e = b.cols;
  let sum = 0,
    sq = 0,
    tr = 0;
  m.forEach((v, i) => {
    sum += v;
    sq += v * v;
    if (d === e && Math.floor(i / e) === i % e) tr += v;
  });
  const eye = Float64Array.from({ length: d * e }, (_, i) => (Math.floor(i / e) === i % e ? 1 : 0));
  return { sum, sq, tr, cc: d === e ? pearson(m, eye) : NaN };
}

test('traceProducts: both paths agree with the explicit product, including cc(M, I)', async () => {
  const engine = await cpu();
  const a = randomMatrix(5, 12, 22),
    b = randomMatrix(5, 12, 23);
  // Make M close to a multiple of I on part of the diagonal, so cc(M, I) is far from 0.
  for (let i = 0; i < 5; i++) b.data[i * 12 + i] += 3 * a.data[i * 12 + i];
  const ref = explicit(a, b);
  for (const path of ['gram', 'product'] as const) {
    for (const blockRows of [undefined, 5]) {
      const r = await traceProducts(engine, a, b, { path, blockRows });
      assert.equal(r.path, path);
      const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(1, Math.abs(y));
      assert.ok(rel(r.sum, ref.sum) < 1e-6, `${path} sum ${r.sum} vs ${ref.sum}`);
      assert.ok(rel(r.sumSquares, ref.sq) < 1e-5, `${path} ‖M‖² ${r.sumSquares} vs ${ref.sq}`);
      assert.ok(rel(r.trace, ref.tr) < 1e-6, `${path} trace`);
      assert.ok(Math.abs(r.ccIdentity - ref.cc) < 1e-5, `${path} cc ${r.ccIdentity} vs ${ref.cc}`);
    }
  }
  assert.equal((await traceProducts(engine, a, b)).path, 'gram');
  assert.equal((await traceProducts(engine, randomMatrix(30, 4, 1), randomMatrix(30, 4, 2))).path, 'product');
});

test('traceProducts: an orthogonal Q has cc(QᵀQ, I) = 1; non-square M has NaN trace; bad shapes are errors', async () => {
  const engine = await cpu();
  // A 4×4 rotation-reflection (Householder) matrix: QᵀQ = I exactly in real arithmetic.
  const v = [1, 2, -1, 0.5],
    vv = v.reduce((s, x) => s + x * x, 0);
  const q: Matrix = {
    rows: 4,
    cols: 4,
    data: Float32Array.from({ length: 16 }, (_, i) => (Math.floor(i / 4) === i % 4 ? 1 : 0) - (2 * v[Math.floor(i / 4)] * v[i % 4]) / vv),
  };
  const r = await traceProducts(engine, q, q);
  assert.ok(Math.abs(r.ccIdentity - 1) < 1e-6, `cc ${r.ccIdentity}`);
  const ns = await traceProducts(engine, randomMatrix(3, 4, 5), randomMatrix(3, 6, 6));
  assert.ok(Number.isNaN(ns.trace) && Number.isNaN(ns.ccIdentity));
  await assert.rejects(traceProducts(engine, randomMatrix(3, 4, 5), randomMatrix(4, 4, 6)), /same number of rows \(A is 3×4, B is 4×4\)/);
});

test('weights enter graphs as fp32, fp16 (Cast) and bf16 bits (BitCast + Cast), bit-exact', async () => {
  const engine = await cpu();
  const values = Float32Array.of(1, -2.5, 0.15625, 65504, -0.0001220703125, 3.140625);
  const f32bits = new Uint32Array(values.buffer);
  const bf16 = Uint16Array.from(f32bits, (u) => u >>> 16); // truncation: 65504 becomes 65280
  // Reference for bf16: the bits moved into the high half of a float32 (the definition of bf16).
  const bf16Expected = new Float32Array(Uint32Array.from(bf16, (u) => u << 16).buffer);
  // fp16 bit patterns of the same values, written out by hand (IEEE half): 1, -2.5, 0.15625, 65504, -2^-13, 3.140625
  const f16 = Uint16Array.of(0x3c00, 0xc100, 0x3100, 0x7bff, 0x8800, 0x4248);
  const inputs: WeightData[] = [
    { dtype: 'float32', data: values },
    { dtype: 'float16', data: f16 },
    { dtype: 'bfloat16', data: bf16 },
  ];
  for (const w of inputs) {
    const build = () => {
      const g = new GraphBuilder('weight_in', { opset: opsetFor([w.dtype]) });
      g.output(weightInput(g, 'w', w.dtype, [2, 3]), 'float32', { as: 'y' });
      return g.toBytes();
    };
    const out = await engine.run(`test:weight:${w.dtype}`, build, { w: weightTensor(w, [2, 3]) });
    const expected = w.dtype === 'bfloat16' ? bf16Expected : values;
    assert.deepEqual(Array.from(out.y.data as Float32Array), Array.from(expected), w.dtype);
  }
  const g = new GraphBuilder('old_opset');
  assert.throws(() => weightInput(g, 'w', 'bfloat16', [1]), /opset 26/);
});

test('traceProductsOfTransposed: Aᵀ as given, both paths, equal to the explicit product and to traceProducts', async () => {
  const engine = await cpu();
  // n = 70 rows crosses the 64-entry tiles of the transposed trace; d = e = 9 (square) and e = 6.
  for (const e of [9, 6]) {
    const a = randomMatrix(70, 9, 31),
      b = randomMatrix(70, e, 32);
    if (e === 9) for (let i = 0; i < 9; i++) b.data[i * 9 + i] += 2 * a.data[i * 9 + i];
    const at = { rows: 9, cols: 70, data: Float32Array.from(transposeRef(a)) };
    const ref = explicit(a, b);
    for (const path of ['gram', 'product'] as const) {
      for (const blockRows of [undefined, 4]) {
        const r = await traceProductsOfTransposed(engine, at, b, { path, blockRows });
        const plain = await traceProducts(engine, a, b, { path, blockRows });
        const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(1, Math.abs(y));
        assert.equal(r.path, path);
        assert.deepEqual([r.rows, r.cols], [9, e]);
        assert.ok(rel(r.sum, ref.sum) < 1e-6, `${path} sum ${r.sum} vs ${ref.sum}`);
        assert.ok(rel(r.sumSquares, ref.sq) < 1e-5, `${path} ‖M‖² ${r.sumSquares} vs ${ref.sq}`);
        if (e === 9) {
          assert.ok(rel(r.trace, ref.tr) < 1e-6, `${path} trace ${r.trace} vs ${ref.tr}`);
          assert.ok(Math.abs(r.ccIdentity - ref.cc) < 1e-5, `${path} cc ${r.ccIdentity} vs ${ref.cc}`);
        } else assert.ok(Number.isNaN(r.trace) && Number.isNaN(r.ccIdentity), 'no trace of a non-square M');
        assert.ok(rel(r.sumSquares, plain.sumSquares) < 1e-12 && rel(r.sum, plain.sum) < 1e-12, 'the same sums as from A');
      }
    }
  }
  await assert.rejects(traceProductsOfTransposed(engine, randomMatrix(3, 5, 1), randomMatrix(4, 2, 2)), /same number of rows/);
});

test('pearsonTransposed pairs a[i, j] with b[j, i]: pearson of a and the transpose of b', () => {
  for (const [rows, cols] of [
    [2, 3],
    [70, 131],
  ]) {
    const a = randomMatrix(rows, cols, rows + 5),
      b = randomMatrix(cols, rows, cols + 7);
    for (let i = 0; i < Math.min(rows, cols); i++) b.data[i * rows + i] += a.data[i * cols + i]; // some correlation
    const want = pearson(a.data, transposeRef(b));
    const got = pearsonTransposed(a.data, b.data, rows, cols);
    assert.ok(Math.abs(got - want) < 1e-12, `${rows}×${cols}: ${got} vs ${want}`);
  }
  assert.ok(Number.isNaN(pearsonTransposed(new Float32Array(6).fill(2), randomMatrix(3, 2, 1).data, 2, 3)), 'a constant tensor has no correlation');
  assert.throws(() => pearsonTransposed(new Float32Array(6), new Float32Array(5), 2, 3), /expected two 2×3 tensors/);
});

/** The transpose of a row-major matrix by a plain double loop. */
function transposeRef(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j];
  return out;
}
