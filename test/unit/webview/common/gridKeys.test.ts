// Keyboard reach of the heatmaps (webview/common/gridKeys.ts, heatmapKeys.ts): arrow keys
// move within the grid and stop at its edges, the axes are the heatmap's (layers ascending, kinds in
// its column order), and a selection maps to its cell.
import test from 'node:test';
import assert from 'node:assert/strict';
import { moveInGrid } from '../../../../webview/common/gridKeys';
import { cellSentence, heatmapAxes, positionOf } from '../../../../webview/common/heatmapKeys';
import { MATRIX_KIND_ORDER } from '../../../../webview/common/kindColor';
import { KIND_ORDER } from '../../../../webview/spectra/plots';

test('arrow keys move one cell and stop at the edges; other keys do not move', () => {
  const at = { row: 0, col: 0 };
  assert.deepEqual(moveInGrid(at, 3, 4, 'ArrowDown'), { row: 1, col: 0 });
  assert.deepEqual(moveInGrid(at, 3, 4, 'ArrowUp'), { row: 0, col: 0 });
  assert.deepEqual(moveInGrid(at, 3, 4, 'ArrowRight'), { row: 0, col: 1 });
  assert.deepEqual(moveInGrid({ row: 2, col: 3 }, 3, 4, 'ArrowRight'), { row: 2, col: 3 });
  assert.deepEqual(moveInGrid({ row: 1, col: 2 }, 3, 4, 'End'), { row: 1, col: 3 });
  assert.deepEqual(moveInGrid({ row: 1, col: 2 }, 30, 4, 'PageDown'), { row: 11, col: 2 });
  assert.deepEqual(moveInGrid({ row: 9, col: 9 }, 3, 4, 'ArrowLeft'), { row: 2, col: 2 }, 'a stale position is clamped first');
  assert.equal(moveInGrid(at, 3, 4, 'a'), undefined);
  assert.equal(moveInGrid(at, 0, 4, 'ArrowDown'), undefined);
});

test('the grid is the heatmap: layers ascending, kinds in column order; a selection is its cell', () => {
  const cells = [
    { layer: 2, kind: 'down' },
    { layer: 0, kind: 'q' },
    { layer: 1, kind: 'router' },
    { layer: 0, kind: 'k' },
  ];
  assert.deepEqual(MATRIX_KIND_ORDER, KIND_ORDER, "the keys' column order is the spectra heatmap's");
  const axes = heatmapAxes(cells);
  assert.deepEqual(axes, { layers: [0, 1, 2], kinds: ['q', 'k', 'down', 'router'] });
  assert.deepEqual(positionOf(axes, { layer: 1, kind: 'down' }), { row: 1, col: 2 });
  assert.deepEqual(positionOf(axes, undefined), { row: 0, col: 0 });
  assert.deepEqual(positionOf(axes, { layer: 9, kind: 'zz' }), { row: 0, col: 0 });
});

test('the selected matrix is read out with its value', () => {
  const cells = [
    { layer: 3, kind: 'q', value: 0.412345 },
    { layer: 3, kind: 'k', value: null },
  ];
  assert.equal(cellSentence(cells, 3, 'q'), 'layer 3 × q: 0.4123');
  assert.equal(cellSentence(cells, 3, 'k'), 'layer 3 × k: no value');
  assert.equal(cellSentence(cells, 4, 'q'), 'layer 4 × q: no value');
});
