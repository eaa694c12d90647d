// Keyboard reach of the spectra heatmap (webview/spectra/gridKeys.ts, heatmapKeys.ts): arrow keys
// move within the grid and stop at its edges, the axes are the heatmap's (layers ascending, kinds in
// its column order), and a selection maps to its cell.
import test from 'node:test';
import assert from 'node:assert/strict';
import { moveInGrid } from '../../../../webview/spectra/gridKeys';
import { heatmapAxes, positionOf } from '../../../../webview/spectra/heatmapKeys';

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
  const axes = heatmapAxes(cells);
  assert.deepEqual(axes, { layers: [0, 1, 2], kinds: ['q', 'k', 'down', 'router'] });
  assert.deepEqual(positionOf(axes, { layer: 1, kind: 'down' }), { row: 1, col: 2 });
  assert.deepEqual(positionOf(axes, undefined), { row: 0, col: 0 });
  assert.deepEqual(positionOf(axes, { layer: 9, kind: 'zz' }), { row: 0, col: 0 });
});
