import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { Tape, type Value } from '../../../../src/analysis/engine/autodiff/tape';
import { checkGradients, type CaseInput } from './finiteDifferences';
import { randomArray } from './random';

// Every backward rule against central finite differences in float64 (relative error < 1e-6),
// including broadcasting in both directions and ops applied along non-leading axes.
const TOLERANCE = 1e-6;
const positive = (n: number, seed: number) => randomArray(n, seed).map((v) => 0.5 + Math.abs(v));
const int64 = (...v: number[]) => BigInt64Array.from(v, BigInt);

interface Case {
  inputs: CaseInput[];
  f: (t: Tape, v: Value[]) => Value;
}

const CASES: Record<string, Case> = {
  'Add with broadcasting (row vector, column, scalar)': {
    inputs: [
      { name: 'a', dims: [3, 4] },
      { name: 'b', dims: [4] },
      { name: 'c', dims: [3, 1] },
    ],
    f: (t, [a, b, c]) => t.add(t.add(a, b), t.add(c, 0.5)),
  },
  'Sub with broadcasting of the left operand': {
    inputs: [
      { name: 'a', dims: [1, 4] },
      { name: 'b', dims: [2, 3, 4] },
    ],
    f: (t, [a, b]) => t.sub(a, b),
  },
  'Mul with broadcasting': {
    inputs: [
      { name: 'a', dims: [2, 3, 4] },
      { name: 'b', dims: [3, 1] },
    ],
    f: (t, [a, b]) => t.mul(a, b),
  },
  'Div with broadcasting': {
    inputs: [
      { name: 'a', dims: [3, 4] },
      { name: 'b', dims: [1, 4], data: positive(4, 3) },
    ],
    f: (t, [a, b]) => t.div(a, b),
  },
  'Pow in base and exponent': {
    inputs: [
      { name: 'a', dims: [3, 4], data: positive(12, 4) },
      { name: 'b', dims: [4] },
    ],
    f: (t, [a, b]) => t.pow(a, b),
  },
  'Pow by a constant': { inputs: [{ name: 'a', dims: [5], data: positive(5, 5) }], f: (t, [a]) => t.pow(a, 3) },
  Sqrt: { inputs: [{ name: 'a', dims: [2, 3], data: positive(6, 6) }], f: (t, [a]) => t.sqrt(a) },
  'Neg, Exp, Log': { inputs: [{ name: 'a', dims: [2, 3], data: positive(6, 7) }], f: (t, [a]) => t.add(t.neg(t.exp(a)), t.log(a)) },
  Sigmoid: { inputs: [{ name: 'a', dims: [2, 5] }], f: (t, [a]) => t.sigmoid(a) },
  'SiLU (x·σ(x))': { inputs: [{ name: 'a', dims: [2, 5] }], f: (t, [a]) => t.silu(a) },
  Tanh: { inputs: [{ name: 'a', dims: [7] }], f: (t, [a]) => t.mul(t.tanh(a), a) },
  'Relu (away from 0)': { inputs: [{ name: 'a', dims: [6], data: Float64Array.of(-1.5, 0.3, 2, -0.2, 0.7, -3) }], f: (t, [a]) => t.relu(a) },
  'MatMul 2-D': {
    inputs: [
      { name: 'a', dims: [3, 4] },
      { name: 'b', dims: [4, 2] },
    ],
    f: (t, [a, b]) => t.matmul(a, b),
  },
  'MatMul batched with a broadcast matrix': {
    inputs: [
      { name: 'a', dims: [2, 3, 4] },
      { name: 'b', dims: [4, 5] },
    ],
    f: (t, [a, b]) => t.matmul(a, b),
  },
  'MatMul with broadcast batch dims': {
    inputs: [
      { name: 'a', dims: [2, 1, 3, 4] },
      { name: 'b', dims: [3, 4, 2] },
    ],
    f: (t, [a, b]) => t.matmul(a, b),
  },
  'Gemm plain with bias row': {
    inputs: [
      { name: 'a', dims: [3, 4] },
      { name: 'b', dims: [4, 2] },
      { name: 'c', dims: [2] },
    ],
    f: (t, [a, b, c]) => t.gemm(a, b, c, { alpha: 0.7, beta: 1.3 }),
  },
  'Gemm transA': {
    inputs: [
      { name: 'a', dims: [4, 3] },
      { name: 'b', dims: [4, 2] },
    ],
    f: (t, [a, b]) => t.gemm(a, b, undefined, { transA: true, alpha: 2 }),
  },
  'Gemm transB with bias column': {
    inputs: [
      { name: 'a', dims: [3, 4] },
      { name: 'b', dims: [2, 4] },
      { name: 'c', dims: [3, 1] },
    ],
    f: (t, [a, b, c]) => t.gemm(a, b, c, { transB: true }),
  },
  'Gemm transA transB': {
    inputs: [
      { name: 'a', dims: [4, 3] },
      { name: 'b', dims: [2, 4] },
      { name: 'c', dims: [3, 2] },
    ],
    f: (t, [a, b, c]) => t.gemm(a, b, c, { transA: true, transB: true, beta: 0.5 }),
  },
  'ReduceSum over one axis': { inputs: [{ name: 'a', dims: [2, 3, 4] }], f: (t, [a]) => t.reduceSum(a, [1]) },
  'ReduceSum keepdims, negative axis': { inputs: [{ name: 'a', dims: [2, 3, 4] }], f: (t, [a]) => t.reduceSum(a, [-1, 0], true) },
  'ReduceMean over all axes': { inputs: [{ name: 'a', dims: [3, 4] }], f: (t, [a]) => t.reduceMean(a) },
  'ReduceMean over the last axis (RMSNorm style)': {
    inputs: [{ name: 'a', dims: [2, 3, 4] }],
    f: (t, [a]) => t.div(a, t.sqrt(t.add(t.reduceMean(t.mul(a, a), [-1], true), 1e-5))),
  },
  'ReduceMax over an axis': { inputs: [{ name: 'a', dims: [3, 5] }], f: (t, [a]) => t.reduceMax(a, [1]) },
  'ReduceMax keepdims over two axes': { inputs: [{ name: 'a', dims: [2, 3, 4] }], f: (t, [a]) => t.mul(t.reduceMax(a, [0, 2], true), a) },
  'Softmax on the last axis': { inputs: [{ name: 'a', dims: [3, 5] }], f: (t, [a]) => t.softmax(a) },
  'Softmax on axis 0': { inputs: [{ name: 'a', dims: [4, 3] }], f: (t, [a]) => t.softmax(a, 0) },
  LogSoftmax: { inputs: [{ name: 'a', dims: [3, 6] }], f: (t, [a]) => t.logSoftmax(a, 1) },
  'Gather axis 0 with repeated indices (embedding)': {
    inputs: [
      { name: 'a', dims: [5, 3] },
      { name: 'i', dims: [2, 3], dtype: 'int64', data: int64(4, 0, 4, 2, 2, 4) },
    ],
    f: (t, [a, i]) => t.gather(a, i, 0),
  },
  'Gather axis 1': {
    inputs: [
      { name: 'a', dims: [2, 5, 3] },
      { name: 'i', dims: [4], dtype: 'int64', data: int64(1, 3, 1, 0) },
    ],
    f: (t, [a, i]) => t.gather(a, i, 1),
  },
  'Gather with a scalar index': {
    inputs: [
      { name: 'a', dims: [4, 3] },
      { name: 'i', dims: [], dtype: 'int64', data: int64(2) },
    ],
    f: (t, [a, i]) => t.gather(a, i, 0),
  },
  'GatherElements (picking target log-probs)': {
    inputs: [
      { name: 'a', dims: [3, 5] },
      { name: 'i', dims: [3, 1], dtype: 'int64', data: int64(4, 0, 2) },
    ],
    f: (t, [a, i]) => t.gatherElements(t.logSoftmax(a), i, 1),
  },
  'Reshape with 0 and -1': { inputs: [{ name: 'a', dims: [2, 3, 4] }], f: (t, [a]) => t.mul(t.reshape(a, [0, -1]), t.reshape(a, [2, 12])) },
  'Unsqueeze and Squeeze': { inputs: [{ name: 'a', dims: [3, 4] }], f: (t, [a]) => t.squeeze(t.mul(t.unsqueeze(a, [0, 2]), 2), [0]) },
  Transpose: { inputs: [{ name: 'a', dims: [2, 3, 4] }], f: (t, [a]) => t.transpose(a, [2, 0, 1]) },
  'Slice with negative and out-of-range bounds': { inputs: [{ name: 'a', dims: [4, 6] }], f: (t, [a]) => t.slice(a, [1, -4], [100, -1], [0, 1]) },
  'Slice on a symbolic dim (RoPE halves)': {
    inputs: [{ name: 'a', dims: [3, 6] }],
    f: (t, [a]) => {
      const sym = t.reshape(a, [-1, 6]); // first dim becomes symbolic for the tape
      const lo = t.slice(sym, [0, 0], [2 ** 40, 3]),
        hi = t.slice(sym, [-2, 3], [2 ** 40, 6]);
      return t.reshape(t.concat([t.neg(hi), t.slice(lo, [1], [2 ** 40])], 1), [2, 6]);
    },
  },
  'Concat along the last axis': {
    inputs: [
      { name: 'a', dims: [2, 3] },
      { name: 'b', dims: [2, 1] },
      { name: 'c', dims: [2, 2] },
    ],
    f: (t, [a, b, c]) => t.concat([a, b, c, a], -1),
  },
  'Expand to numbers and to another value': {
    inputs: [
      { name: 'a', dims: [3, 1] },
      { name: 'b', dims: [2, 3, 4] },
    ],
    f: (t, [a, b]) => t.add(t.expand(a, [2, 3, 4]), t.mul(t.expand(a, b), b)),
  },
  'Where (mask, both branches broadcast)': {
    inputs: [
      { name: 'm', dims: [3, 4], dtype: 'bool', data: Uint8Array.of(1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0) },
      { name: 'a', dims: [3, 4] },
      { name: 'b', dims: [4] },
    ],
    f: (t, [m, a, b]) => t.where(m, a, b),
  },
  'Where against a constant (causal mask)': {
    inputs: [
      { name: 'm', dims: [2, 2], dtype: 'bool', data: Uint8Array.of(1, 0, 1, 1) },
      { name: 'a', dims: [2, 2] },
    ],
    f: (t, [m, a]) => t.softmax(t.where(m, a, -1e9)),
  },
  'Cast float64 → float32 → float64': {
    inputs: [{ name: 'a', dims: [2, 3] }],
    f: (t, [a]) => t.mul(t.cast(t.mul(t.cast(a, 'float32'), t.scalar(1, 'float32')), 'float64'), a),
  },
  'A value used twice (x·x + x)': { inputs: [{ name: 'a', dims: [4] }], f: (t, [a]) => t.add(t.mul(a, a), a) },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`gradient of ${name} matches central finite differences`, async () => {
    const engine = await getEngine({ providers: ['cpu'], threads: 1 });
    // Cast to float32 limits that case's accuracy to fp32 rounding of the forward, not the rule.
    const tolerance = name.startsWith('Cast') ? 1e-3 : TOLERANCE;
    const { relError, analytic } = await checkGradients(engine, c.inputs, c.f);
    assert.ok(analytic.length > 0 && analytic.some((g) => g.some((v) => v !== 0)), 'the gradient is not identically zero');
    assert.ok(relError < tolerance, `relative error ${relError.toExponential(2)}`);
  });
}

test('Erf (float32 only in ORT): its gradient equals the closed form 2/√π·exp(−x²)', async () => {
  // onnxruntime's CPU provider implements Erf for float32 only, so finite differences in float64
  // are impossible; the rule is checked against the derivative's closed form instead.
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const t = new Tape('erf_rule', 'float32');
  const x = t.input('x', [5]);
  const [gx] = t.grad(t.reduceSum(t.mul(t.erf(x), 3)), [x]);
  t.output(gx, 'gx');
  const xs = Float32Array.of(-2, -0.5, 0, 0.3, 1.7);
  const out = await engine.run('test:erf_rule', () => t.toBytes(), { x: new ort.Tensor('float32', xs, [5]) });
  const got = out.gx.data as Float32Array;
  xs.forEach((v, i) => {
    const want = (3 * 2 * Math.exp(-v * v)) / Math.sqrt(Math.PI);
    assert.ok(Math.abs(got[i] - want) < 1e-5 * Math.max(1, want), `x=${v}: ${got[i]} vs ${want}`);
  });
});

test('a value the output does not depend on gets a zero gradient; non-float y is rejected', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const { analytic } = await checkGradients(
    engine,
    [
      { name: 'a', dims: [2] },
      { name: 'b', dims: [3] },
    ],
    (t, [a]) => t.exp(a),
  );
  assert.deepEqual(Array.from(analytic[1]), [0, 0, 0]);
  const t = new Tape('bad', 'float64');
  const i = t.input('i', [2], 'int64');
  assert.throws(() => t.grad(i, [i]), /floating point/);
  assert.throws(() => t.matmul(t.input('x', [2, 3]), t.input('w', [4, 2])), /inner dimensions differ/);
  assert.throws(() => t.add(t.input('p', [2, 3]), t.input('q', [4])), /do not broadcast/);
});
