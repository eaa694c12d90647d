// A heatmap's data as a matrix-shaped table (webview/common/matrixTable.ts): one row per heatmap
// row, named in the first column, one column per heatmap column, missing values empty.
import test from 'node:test';
import assert from 'node:assert/strict';
import { matrixTable } from '../../../../webview/common/matrixTable';
import { MAX_TABLE_ROWS } from '../../../../webview/common/figureTable';

test('rows × columns with the row names first; undefined and null both empty', () => {
  const m = [
    [1, 0.5, undefined],
    [0.5, 1, null],
  ];
  const t = matrixTable('layer', ['L0', 'L1'], ['L0', 'L1', 'L2'], (i, j) => m[i]![j]);
  assert.deepEqual(t.columns, ['layer', 'L0', 'L1', 'L2']);
  assert.deepEqual(t.rows, [
    ['L0', 1, 0.5, null],
    ['L1', 0.5, 1, null],
  ]);
  assert.equal(t.omitted, 0);
});

test('an 80 × 80 heatmap is complete: 80 rows of 81 cells', () => {
  const labels = Array.from({ length: 80 }, (_, i) => `L${i}`);
  const t = matrixTable('layer', labels, labels, (i, j) => i * 80 + j);
  assert.equal(t.rows.length, 80);
  assert.ok(t.rows.every((r) => r.length === 81));
  assert.equal(t.rows[79]![80], 79 * 80 + 79);
});

test('more rows than the table shows: the rest counted', () => {
  const rows = Array.from({ length: MAX_TABLE_ROWS + 5 }, (_, i) => String(i));
  const t = matrixTable('r', rows, ['c'], (i) => i);
  assert.equal(t.rows.length, MAX_TABLE_ROWS);
  assert.equal(t.omitted, 5);
});
