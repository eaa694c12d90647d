// The correlations heatmap's "Show as table" (webview/correlations/plots.ts cellTable): a layer ×
// head table holding every drawn cell's value at its layer and head (80 × 64 complete, where one
// row per cell would stop at the table's row limit), empty where a cell has no value.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cellTable } from '../../../../webview/correlations/plots';
import { headCells, axes } from '../../../../webview/correlations/viewModel';
import type { LayerCorrelations } from '../../../../src/analysis/methods/correlations/correlations';

test('80 layers × 64 heads: every value at its layer and head', () => {
  const entries = Array.from({ length: 80 }, (_, layer) => ({
    layer,
    heads: Array.from({ length: 64 }, (_, head) => ({ head, kvHead: head >> 3, M1: layer === 5 && head === 7 ? NaN : Math.sin(layer * 64 + head) })),
    m7: {},
    m8: {},
    shapes: {},
    notes: [],
  })) as unknown as LayerCorrelations[];
  const cells = headCells(entries, 'M1');
  const { layers, heads } = axes(entries);
  const t = cellTable(cells, { x: heads, y: layers, xLabel: 'query head' });
  assert.deepEqual(t.columns.slice(0, 3), ['layer', 'h0', 'h1']);
  assert.equal(t.columns.length, 65);
  assert.equal(t.rows.length, 80);
  assert.equal(t.omitted, 0);
  for (const c of cells) assert.equal(t.rows[c.layer]![c.col + 1], c.value);
  assert.equal(t.rows[5]![8], null, 'NaN arrives as no value');
  assert.equal(t.rows[79]![0], 'L79');
});
