import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { checkGradients } from './finiteDifferences';
import { randomArray } from './random';

// A composite: 2-layer MLP (Gemm-free MatMul + bias, SiLU, RMS-style normalisation, a second
// layer) with a softmax cross-entropy loss, batch size symbolic. All parameter gradients and the
// input gradient are checked together against central finite differences in float64.
test('2-layer MLP with cross-entropy: all gradients match finite differences', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const batch = 4,
    dIn = 3,
    hidden = 6,
    classes = 5;
  const targets = BigInt64Array.of(0n, 3n, 4n, 1n);
  const { relError, analytic } = await checkGradients(
    engine,
    [
      { name: 'x', dims: [batch, dIn], tapeDims: ['batch', dIn] },
      { name: 'w1', dims: [dIn, hidden], data: randomArray(dIn * hidden, 31).map((v) => v * 0.8) },
      { name: 'b1', dims: [hidden] },
      { name: 'w2', dims: [hidden, classes] },
      { name: 'b2', dims: [classes] },
      { name: 'y', dims: [batch, 1], tapeDims: ['batch', 1], dtype: 'int64', data: targets },
    ],
    (t, [x, w1, b1, w2, b2, y]) => {
      const h = t.silu(t.add(t.matmul(x, w1), b1));
      const rms = t.sqrt(t.add(t.reduceMean(t.mul(h, h), [-1], true), 1e-6));
      const logits = t.add(t.matmul(t.div(h, rms), w2), b2);
      const picked = t.gatherElements(t.logSoftmax(logits, -1), y, 1);
      return t.neg(t.reduceMean(picked));
    },
  );
  assert.equal(analytic.length, 5);
  assert.deepEqual(
    analytic.map((g) => g.length),
    [batch * dIn, dIn * hidden, hidden, hidden * classes, classes],
  );
  // Cross-entropy gradients w.r.t. the output bias sum to zero over classes (softmax − one-hot).
  // The harness checks L = loss·r for a random scalar r, so the sum is still zero.
  assert.ok(Math.abs(analytic[4].reduce((a, b) => a + b, 0)) < 1e-12);
  assert.ok(relError < 1e-6, `relative error ${relError.toExponential(2)}`);
});
