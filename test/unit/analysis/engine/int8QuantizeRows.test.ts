import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { GraphBuilder, onnxType } from '../../../../src/analysis/engine/graph';
import { LEVEL2_RATIO, quantizedRows, quantizedVectors, quantizeRows } from '../../../../src/analysis/engine/kernels/int8Quantize';
import { quantizeRowRange, type QuantizeTargets } from '../../../../src/analysis/engine/kernels/int8QuantizeRows';
import { gaussian, randomMatrix, rng } from './random';
import { normalizedColumns, normalizedRows } from '../../../../src/analysis/methods/similarity/docs';

// The fused quantization loop against two references: the definition written as an elementwise
// float64 ONNX graph (Round is half to even there, Div a float64 division), and hand-made rows
// whose values sit exactly on rounding ties.

/** Per row s = fp32(max|x|/127), q = Round(x / max(s, 1e-300)), r = x − s·q, t = s/254, p = Round(r / max(t, 1e-300)), and the row sums of squares. */
function oracleGraph(): Uint8Array {
  const g = new GraphBuilder('int8_quantize_oracle');
  const x = g.op('Cast', [g.input('x', 'float32', ['bx', 'n'])], { to: onnxType('float64') });
  const d = (v: number) => g.scalar(v, 'float64');
  const axis = g.int64s([1]);
  const s32 = g.op('Cast', [g.op('Div', [g.op('ReduceMax', [g.op('Abs', [x]), axis], { keepdims: 1 }), d(127)])], { to: onnxType('float32') });
  const s = g.op('Cast', [s32], { to: onnxType('float64') });
  const q = g.op('Round', [g.op('Div', [x, g.op('Max', [s, d(1e-300)])])]);
  const a = g.op('Mul', [q, s]);
  const r = g.op('Sub', [x, a]);
  const t = g.op('Div', [s, d(LEVEL2_RATIO)]);
  const p = g.op('Round', [g.op('Div', [r, g.op('Max', [t, d(1e-300)])])]);
  const b = g.op('Mul', [p, t]);
  const sum = (v: string, as: string) => g.output(g.op('ReduceSumSquare', [v, axis], { keepdims: 0 }), 'float64', { as });
  g.output(g.op('Reshape', [s32, g.int64s([-1])]), 'float32', { as: 'scale' });
  g.output(g.op('Cast', [q], { to: onnx.TensorProto.DataType.DOUBLE }), 'float64', { as: 'q' });
  g.output(g.op('Cast', [p], { to: onnx.TensorProto.DataType.DOUBLE }), 'float64', { as: 'p' });
  sum(x, 'sx');
  sum(a, 'sa');
  sum(r, 'sr');
  sum(b, 'sb');
  sum(g.op('Add', [a, b]), 'sab');
  sum(g.op('Sub', [r, b]), 'se');
  return g.toBytes();
}

function targets(m: number, n: number): Required<QuantizeTargets> {
  const f = () => new Float64Array(m);
  return {
    scale: new Float32Array(m),
    q: new Int8Array(m * n),
    qa: new Uint8Array(m * n),
    p: new Int8Array(m * n),
    pa: new Uint8Array(m * n),
    sx: f(),
    sa: f(),
    sr: f(),
    sb: f(),
    sab: f(),
    se: f(),
  };
}

async function compareWithGraph(x: Float32Array, m: number, n: number): Promise<void> {
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  const o = await engine.run('test:int8QuantizeOracle', oracleGraph, { x: new ort.Tensor('float32', x, [m, n]) });
  const out = targets(m, n);
  quantizeRowRange(x, n, 0, m, out, LEVEL2_RATIO);
  assert.deepEqual(Array.from(out.scale), Array.from(o.scale.data as Float32Array), 'scales');
  const oq = o.q.data as Float64Array,
    op = o.p.data as Float64Array;
  for (let i = 0; i < m * n; i++) {
    assert.equal(out.q[i], oq[i] + 0, `q[${i}] (x = ${x[i]})`); // + 0: Round gives −0 where the int8 holds 0
    assert.equal(out.qa[i], oq[i] + 128);
    assert.equal(out.p[i], op[i] + 0, `p[${i}]`);
    assert.equal(out.pa[i], op[i] + 128);
  }
  // Sums in another order: equal up to the (n + 16)·2⁻⁵² the bound allows for.
  for (const k of ['sx', 'sa', 'sr', 'sb', 'sab', 'se'] as const) {
    const want = o[k].data as Float64Array;
    for (let j = 0; j < m; j++) assert.ok(Math.abs(out[k][j] - want[j]) <= (n + 16) * 2 ** -52 * want[j] + 1e-300, `${k}[${j}] ${out[k][j]} vs ${want[j]}`);
  }
}

test('int8 quantization: q, p and scales equal the float64 graph of the definition bit for bit, sums to rounding', async () => {
  const rand = rng(20261206);
  const m = 37,
    n = 301; // odd lengths: the signed copies run through the unaligned tail
  const x = new Float32Array(m * n);
  for (let j = 0; j < m; j++) {
    const scale = 10 ** (Math.floor(rand() * 12) - 8);
    for (let i = 0; i < n; i++) x[j * n + i] = gaussian(rand) * scale * (i % 17 === 0 ? 40 : 1);
  }
  for (let i = 0; i < n; i++) x[3 * n + i] = 0; // a zero row
  x[5 * n + 7] = -1e30; // one outlier dominates its row
  await compareWithGraph(x, m, n);
});

test('int8 quantization: exact ties round half to even, negative maxima and a zero row', async () => {
  // max|x| = 127 gives s = 1, so q = rint(x): the ties ±0.5, ±1.5, ±2.5 go to the even neighbour.
  const row = [127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, -127];
  const n = row.length;
  const x = new Float32Array([...row, ...row.map((v) => -v), ...row.map(() => 0)]);
  const out = targets(3, n);
  quantizeRowRange(x, n, 0, 3, out, LEVEL2_RATIO);
  assert.deepEqual(Array.from(out.q.subarray(0, n)), [127, 0, 2, 2, 0, -2, -2, 126, -127]);
  assert.deepEqual(Array.from(out.q.subarray(n, 2 * n)), [-127, 0, -2, -2, 0, 2, 2, -126, 127]);
  assert.equal(out.scale[0], 1);
  assert.equal(out.scale[2], 0);
  assert.deepEqual(Array.from(out.q.subarray(2 * n)), new Array(n).fill(0));
  // r = x − q is 0.5 at the ties, and p = rint(0.5 · 254) = 127.
  assert.equal(out.p[1], 127);
  assert.equal(out.p[2], -127);
  await compareWithGraph(x, 3, n);
});

test('int8 quantization: a row with NaN or Inf is refused by name', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  for (const bad of [NaN, Infinity]) {
    const x = new Float32Array(4 * 8).fill(0.25);
    x[2 * 8 + 5] = bad;
    await assert.rejects(quantizeRows(engine, { rows: 4, cols: 8, data: x }, 2), /vector 2 holds a NaN or Inf/);
  }
});

test('int8 quantization without a kept float32 copy: rows and columns equal normalise-then-quantize bit for bit', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  const w = randomMatrix(300, 70, 9); // odd sizes: partial 16 × 16 tiles and row blocks
  for (let i = 0; i < w.cols; i++) w.data[5 * w.cols + i] = 0; // a zero row
  for (let i = 0; i < w.rows; i++) w.data[i * w.cols + 3] = 0; // a zero column
  const rows = await quantizedRows(engine, await quantizedVectors(engine, w, 'rows', 1), 1);
  const ref = await quantizeRows(engine, normalizedRows(w), 1);
  assert.deepEqual(rows.qA, ref.qA);
  assert.deepEqual(rows.scale, ref.scale);
  assert.deepEqual(rows.normR, ref.normR);
  const stand = await quantizedVectors(engine, w, 'columns', 2);
  assert.equal(stand.rows, 70);
  assert.equal(stand.cols, 300);
  const cols = await quantizedRows(engine, stand, 2);
  const refCols = await quantizeRows(engine, await normalizedColumns(engine, w), 2);
  assert.deepEqual(cols.qpA, refCols.qpA);
  assert.deepEqual(cols.scale, refCols.scale);
  assert.deepEqual(cols.normE, refCols.normE);
  assert.equal(cols.scale[3], 0);
  // A stand-in has no float32 vectors: a request beyond its kept levels is refused by name.
  const fast = await quantizedVectors(engine, w, 'rows', 1);
  await assert.rejects(quantizedRows(engine, fast, 2), /only a 1-level int8 copy/);
});
