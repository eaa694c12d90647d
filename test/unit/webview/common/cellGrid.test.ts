// The keyboard's view of a heatmap: the cells of a plot's cell marks with their x, y and colour
// values, read through the marks' channels however the panel gave them (field name, function), and
// the sentence a screen reader says for the selected cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as Plot from '@observablehq/plot';
import { cellAnnouncement, cellAt, cellMarks, gridCells } from '../../../../webview/common/cellGrid';

const data = [
  { a: 3, b: 5, v: 0.41 },
  { a: 5, b: 3, v: 0.41 },
  { a: 3, b: 3, v: 1 },
];

test('the cells of a plot are its cell marks’ rows, through field and function channels', () => {
  const marks = cellMarks(
    [
      Plot.cell(data, { x: (d: { b: number }) => `layer ${d.b}`, y: (d: { a: number }) => `layer ${d.a}`, fill: 'v' }),
      Plot.cell([{ x: 'layer 5', y: 'layer 5' }], { x: 'x', y: 'y', fill: '#888' }),
      Plot.text(data, { x: 'b', y: 'a', text: 'v' }),
    ],
    (m) => m instanceof Plot.Cell,
  );
  assert.equal(marks.length, 2, 'text marks are no cells');
  const cells = gridCells(marks);
  assert.equal(cells.length, 4);
  assert.deepEqual(cells[0], { x: 'layer 5', y: 'layer 3', fill: 0.41 });
  assert.deepEqual(cellAt(cells, 'layer 3', 'layer 3'), { x: 'layer 3', y: 'layer 3', fill: 1 });
  assert.equal(typeof cellAt(cells, 'layer 5', 'layer 5')?.fill, 'undefined', 'a constant colour is no value');
  assert.equal(cellAt(cells, 'layer 9', 'layer 3'), undefined);
});

test('the selected cell is announced as "row × column: label value"', () => {
  const fmt = (v: number) => v.toFixed(2);
  assert.equal(cellAnnouncement({ x: 'layer', y: 'layer', fill: 'DOCS' }, 5, 3, { x: 5, y: 3, fill: 0.41 }, fmt), 'layer 3 × layer 5: DOCS 0.41');
  assert.equal(cellAnnouncement({}, 'up', 'L2', { x: 'up', y: 'L2', fill: 0.5 }, fmt), 'L2 × up: 0.50');
  assert.equal(cellAnnouncement({ x: 'kind', y: 'layer' }, 'up', 2, undefined, fmt), 'layer 2 × kind up: no value');
});
