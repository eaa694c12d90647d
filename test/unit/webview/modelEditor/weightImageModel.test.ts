// The |W| image's view model: slices, colour scale, pointer → cell and its readout, axis ticks,
// on a hand-made image whose answers are worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WeightImage } from '../../../../src/analysis/stats/weightImage';
import { axisTicks, cellAtPoint, cellReadout, colourDomain, colourPosition, sliceCells } from '../../../../webview/modelEditor/weightImageModel';

// Two expert slices of a 10 × 5 matrix pooled into 4 × 2 cells: rows 0–2, 3–4, 5–7, 8–9; columns 0–2, 3–4.
const image: WeightImage = {
  slices: 2,
  rows: 10,
  cols: 5,
  gridRows: 4,
  gridCols: 2,
  max: [1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, null],
  mean: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 10, 15, 20, 25, 30, 35, null],
  outlierThreshold: 0.3,
  outliersPerColumnCell: [3, 0],
};

test('a slice’s cells in either pooling', () => {
  assert.deepEqual(sliceCells(image, 1, 'max'), [10, 20, 30, 40, 50, 60, 70, null]);
  assert.deepEqual(sliceCells(image, 0, 'mean'), [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]);
});

test('colour domain and positions: linear, log (empty cells ignored, floor at max × 1e-6)', () => {
  const cells = sliceCells(image, 1, 'max');
  assert.deepEqual(colourDomain(cells, false), [10, 70]);
  assert.equal(colourPosition(40, [10, 70], false), 0.5);
  assert.equal(colourPosition(100, [10, 70], false), 1);
  assert.deepEqual(colourDomain([0, 1e-9, 1, null], true), [1e-6, 1]);
  assert.ok(Math.abs(colourPosition(1e-3, [1e-6, 1], true) - 0.5) < 1e-12);
  assert.equal(colourDomain([null, null], false), null);
  assert.equal(colourDomain([0, 0], true), null);
});

test('the cell under the pointer and what the readout says', () => {
  // Drawn 40 × 80 pixels: each cell 20 px wide, 20 px high.
  assert.deepEqual(cellAtPoint(image, 25, 45, 40, 80), { row: 2, col: 1 });
  assert.equal(cellAtPoint(image, 40, 10, 40, 80), null);
  assert.equal(cellAtPoint(image, -1, 10, 40, 80), null);
  assert.equal(cellReadout(image, 1, 2, 1, 'max', 'expert 1'), 'expert 1 · rows 5–7 · columns 3–4 · max |w| 60.00');
  assert.equal(cellReadout(image, 1, 3, 1, 'mean', 'expert 1'), 'expert 1 · rows 8–9 · columns 3–4 · no finite value');
  const matrix = { ...image, slices: 1, gridRows: 10, gridCols: 5, max: new Array(50).fill(0.00012) };
  assert.equal(cellReadout(matrix, 0, 4, 3, 'max', 'slice 0'), 'rows 4 · columns 3 · max |w| 1.200e-4');
});

test('axis ticks: round steps from 0, placed in proportion', () => {
  assert.deepEqual(
    axisTicks(4096, 512).map((t) => t.index),
    [0, 1000, 2000, 3000, 4000],
  );
  assert.deepEqual(axisTicks(10, 100), [
    { index: 0, at: 0 },
    { index: 2, at: 20 },
    { index: 4, at: 40 },
    { index: 6, at: 60 },
    { index: 8, at: 80 },
  ]);
});
