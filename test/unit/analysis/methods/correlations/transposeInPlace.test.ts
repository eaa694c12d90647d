// The in-place transpose against the plain one, entry for entry, on shapes whose permutation has
// many short cycles (square, 2×n), long ones (coprime sides) and the degenerate 1×n and n×1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transpose } from '../../../../../src/analysis/linalg/matrix';
import { transposeInPlace } from '../../../../../src/analysis/methods/correlations/transposeInPlace';

test('transposeInPlace equals transpose and keeps the storage', () => {
  for (const [r, c] of [
    [1, 1],
    [1, 7],
    [7, 1],
    [2, 9],
    [9, 2],
    [6, 6],
    [8, 24],
    [24, 8],
    [13, 17],
    [64, 224],
  ]) {
    const data = Float32Array.from({ length: r * c }, (_, i) => i + 0.5);
    const expected = transpose({ rows: r, cols: c, data: data.slice() });
    const m = { rows: r, cols: c, data };
    const got = transposeInPlace(m);
    assert.equal(got, m);
    assert.equal(got.data, data, 'the same storage');
    assert.deepEqual([got.rows, got.cols], [c, r]);
    assert.deepEqual(Array.from(got.data), Array.from(expected.data), `${r}×${c}`);
  }
});
