// The persistence heatmap at 80 layers (webview/persistence/plots.ts): "Show as table" is the whole
// 81 × 81 matrix (the final norm named 'norm'), equal to the result's heatmap entry for entry, and
// the axes label every 5th cloud and the norm (labels 24 px apart at least), never all 81.
import test from 'node:test';
import assert from 'node:assert/strict';
import { heatmapPlot, heatmapTable } from '../../../../webview/persistence/plots';
import type { PersistenceResult } from '../../../../src/analysis/methods/persistence/persistence';
import type { Theme } from '../../../../webview/common/theme';

const theme = { sequentialScheme: 'viridis', divergingScheme: 'rdbu', foreground: '#000', background: '#fff' } as Theme;

function result(n: number): PersistenceResult {
  const h = Array.from({ length: n + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === j ? 1 : 1 / (1 + Math.abs(i - j)))));
  return { decoderLayers: n, heatmap: [h, h] } as unknown as PersistenceResult;
}

test('the table is the heatmap, entry for entry', () => {
  const r = result(80);
  const t = heatmapTable(r, 1);
  assert.equal(t.rows.length, 81);
  assert.equal(t.columns.length, 82);
  assert.equal(t.columns.at(-1), 'norm');
  for (let i = 0; i <= 80; i++) for (let j = 0; j <= 80; j++) assert.equal(t.rows[i]![j + 1], r.heatmap[1]![i]![j]);
  assert.equal(t.rows[80]![0], 'norm');
});

test('81 clouds: every 5th labelled and the norm; a 12-layer model keeps every label', () => {
  const big = heatmapPlot(result(80), 1, theme) as { x: { ticks: string[] }; y: { ticks: string[] } };
  assert.deepEqual(big.x.ticks, [...Array.from({ length: 16 }, (_, k) => String(5 * k)), 'norm']);
  assert.deepEqual(big.y.ticks, big.x.ticks);
  const small = heatmapPlot(result(12), 1, theme) as { x: { ticks: string[] } };
  assert.deepEqual(small.x.ticks, [...Array.from({ length: 12 }, (_, k) => String(k)), 'norm']);
});
