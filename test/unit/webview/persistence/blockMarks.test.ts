// The suggested and pruned layers on the persistence heatmap (webview/persistence/blockMarks.ts):
// contiguous runs become square blocks, their outline cells are exactly the border of each square,
// and the marks drawn name heatmap cells that exist (the suggestion's layers, by the heatmap's labels).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { PersistenceResult } from '../../../../src/analysis/methods/persistence/persistence';
import { pruningSuggestion } from '../../../../src/analysis/methods/persistence/descriptors';
import { blockOutline, layerBlocks, markedHeatmapPlot } from '../../../../webview/persistence/blockMarks';
import { cloudLabel } from '../../../../webview/persistence/plots';
import type { Theme } from '../../../../webview/common/theme';

const theme: Theme = {
  kind: 'dark',
  foreground: '#fff',
  background: '#000',
  muted: '#888',
  grid: '#333',
  accent: '#0af',
  categorical: ['#1', '#2'],
  sequentialScheme: 'viridis',
  divergingScheme: 'rdbu',
  fontFamily: 'sans-serif',
  fontSize: 13,
  monoFontFamily: 'monospace',
};

test('blocks are the contiguous runs; the outline is each square border, n² − (n − 2)² cells', () => {
  assert.deepEqual(layerBlocks([7, 2, 1, 3, 3]), [
    { first: 1, last: 3 },
    { first: 7, last: 7 },
  ]);
  assert.deepEqual(layerBlocks([]), []);
  const cells = blockOutline([{ first: 2, last: 5 }]);
  assert.equal(cells.length, 16 - 4);
  assert.ok(!cells.some((c) => c.i === 3 && c.j === 4), 'an inner cell is not outlined');
  assert.deepEqual(blockOutline([{ first: 4, last: 4 }]), [{ i: 4, j: 4 }]);
});

test('the marks on the heatmap sit on the suggested layers of a result', () => {
  const avg = [0.2, 0.5, 0.52, 0.51, 0.22, 0.19];
  const heat = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i === j ? 1 : 0.3)));
  const r = { decoderLayers: 5, heatmap: [heat, heat], averageSimilarity: [avg, avg], suggestionDim: 1 } as unknown as PersistenceResult;
  const s = pruningSuggestion(avg, 5, 0.9, 3);
  assert.deepEqual(s.layers, [1, 2, 3]);
  const plot = markedHeatmapPlot(r, 1, theme, s.layers, [2]);
  const marks = plot.marks as unknown as { data: { i: number; j: number }[] }[];
  // Base heatmap cell mark, then the suggestion (solid), then the pruned layer (dashed).
  assert.equal(marks.length, 3);
  const solid = marks[1]!.data;
  assert.deepEqual(new Set(solid.map((c) => cloudLabel(r, c.i))), new Set(['1', '2', '3']));
  assert.deepEqual(marks[2]!.data, [{ i: 2, j: 2 }]);
  const domain = (plot.x as { domain: string[] }).domain;
  for (const c of solid) assert.ok(domain.includes(cloudLabel(r, c.j)));
});
