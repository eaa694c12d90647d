// transposeInPlace against transpose(): the same values bit for bit, in the input's own array, for
// shapes that exercise each step (square blocks only, block rows only, block columns only, both,
// coprime sides where the pieces are single values, vectors) and NaN/−0 payloads copied as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transpose, transposeInPlace } from '../../../../src/analysis/linalg/matrix';
import { randomMatrix } from '../engine/random';

const SHAPES: [number, number][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [2, 3],
  [64, 64],
  [65, 65],
  [7, 13],
  [13, 7],
  [96, 40],
  [40, 96],
  [128, 64],
  [64, 192],
  [224, 64],
  [12, 18],
  [300, 70],
];

for (const [rows, cols] of SHAPES) {
  test(`${rows}×${cols}: transposeInPlace equals transpose and stays in the input's array`, () => {
    const m = randomMatrix(rows, cols, rows * 1000 + cols);
    m.data[0] = -0;
    if (m.data.length > 2) m.data[m.data.length - 2] = NaN;
    const expected = transpose(m);
    const data = m.data;
    const t = transposeInPlace(m);
    assert.equal(t.data, data, 'the same array');
    assert.deepEqual([t.rows, t.cols], [cols, rows]);
    assert.deepEqual(new Uint32Array(t.data.buffer), new Uint32Array(expected.data.buffer), 'the same bits');
    // Twice is the identity.
    const back = transposeInPlace(t);
    assert.deepEqual(new Uint32Array(back.data.buffer), new Uint32Array(transpose(expected).data.buffer));
  });
}

test('transposeInPlace refuses data of the wrong length', () => {
  assert.throws(() => transposeInPlace({ rows: 3, cols: 4, data: new Float32Array(11) }), /11 values, expected 3×4/);
});
