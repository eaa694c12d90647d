import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transpose, transposeInto } from '../../../../src/analysis/linalg/matrix';

test('transposeInto writes the transpose into storage it is given, tile edges included', () => {
  for (const [rows, cols] of [
    [1, 1],
    [3, 130],
    [130, 67],
  ]) {
    const data = Float32Array.from({ length: rows * cols }, (_, i) => i * 0.5 - 7);
    const out = new Float32Array(rows * cols).fill(NaN);
    const t = transposeInto({ rows, cols, data }, out);
    assert.equal(t.data, out, 'the given storage is the result');
    assert.deepEqual([t.rows, t.cols], [cols, rows]);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) assert.equal(out[j * rows + i], data[i * cols + j], `(${i}, ${j})`);
    assert.deepEqual(transpose({ rows, cols, data }).data, out);
  }
});

test('transposeInto refuses storage of the wrong length or the input’s own', () => {
  const m = { rows: 2, cols: 3, data: new Float32Array(6) };
  assert.throws(() => transposeInto(m, new Float32Array(5)), /holds 5 values, expected 2×3/);
  assert.throws(() => transposeInto(m, m.data), /must not share/);
});
