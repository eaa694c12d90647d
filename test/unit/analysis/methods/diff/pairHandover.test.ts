// The diff's memory path: runDiff hands each pair over (diffMatrixPair empties the box and writes
// Δ over B), a row-oriented DOCS works on transposes, and none of it changes the numbers. Checked
// against closed forms (a planted rank-2 update has singular values exactly [3, 1]; the spectra of
// a matrix and its transpose agree) and against diffMatrices, which leaves its inputs untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { transpose } from '../../../../../src/analysis/linalg/matrix';
import { diffMatrices, diffMatrixPair, type MatrixPair } from '../../../../../src/analysis/methods/diff/matrix';
import { randomMatrix } from '../../engine/random';
import { lowRank } from './helpers';

const options = { docs: true, spectra: true, keepSingular: 4, bins: 9 };

function planted(rows: number, cols: number) {
  const A = randomMatrix(rows, cols, 7);
  const U = lowRank(rows, cols, [3, 1], 11);
  const B = { rows, cols, data: Float32Array.from(A.data, (x, i) => x + U[i]) };
  return { A, B };
}

for (const kind of ['up', 'down'] as const) {
  test(`${kind}: a handed-over pair gives what diffMatrices gives, Δ's singular values are the planted ones`, async () => {
    const engine = await getEngine({ providers: ['cpu'], threads: 1 });
    const [rows, cols] = kind === 'up' ? [48, 20] : [20, 48];
    const { A, B } = planted(rows, cols);
    const a0 = A.data.slice(),
      b0 = B.data.slice();
    const info = { layer: 0, kind, dtypeA: 'F32', dtypeB: 'F32' };
    const kept = await diffMatrices(A, B, info, options, { engine });
    assert.deepEqual(A.data, a0, 'diffMatrices leaves A as it is');
    assert.deepEqual(B.data, b0, 'diffMatrices leaves B as it is');
    const pair: MatrixPair = { A: { ...A, data: A.data.slice() }, B: { ...B, data: B.data.slice() } };
    const handed = await diffMatrixPair(pair, info, options, { engine });
    assert.equal(pair.A, undefined, 'the box is emptied');
    assert.equal(pair.B, undefined);
    assert.deepEqual(handed, kept);
    assert.deepEqual(handed.shape, [rows, cols], 'the shape is the stored one, not the transpose DOCS used');
    const s = handed.delta.singularValues;
    assert.ok(Math.abs(s[0] - 3) < 1e-5 && Math.abs(s[1] - 1) < 1e-5 && s[2] < 1e-5, `Δ's singular values ${s.join(', ')}`);
    assert.ok(Math.abs(handed.delta.stableRank - 10 / 9) < 1e-4);
  });
}

test('the spectra of a row-oriented pair (taken on transposes) equal those of the untransposed pair', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const { A, B } = planted(20, 48);
  const noDocs = { ...options, docs: false };
  const info = { layer: 0, kind: 'down' as const, dtypeA: 'F32', dtypeB: 'F32' };
  const straight = await diffMatrices(A, B, info, noDocs, { engine });
  const viaT = await diffMatrices(transpose(A), transpose(B), { ...info, kind: 'up' }, noDocs, { engine });
  for (const side of ['a', 'b'] as const)
    for (const key of ['logNorm', 'logSpectralNorm', 'stableRank'] as const)
      assert.ok(Math.abs(straight[side]![key] - viaT[side]![key]) < 1e-5, `${side}.${key}: ${straight[side]![key]} vs ${viaT[side]![key]}`);
  straight.delta.singularValues.forEach((x, i) => assert.ok(Math.abs(x - viaT.delta.singularValues[i]) < 1e-5));
});
