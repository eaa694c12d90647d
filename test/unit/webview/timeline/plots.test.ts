// The training timeline's plots (webview/timeline/plots.ts): up to as many layers as the theme has
// series colours, one categorical line each (as before); 80 layers, coloured by layer on a
// sequential ramp (80 swatches of 6 repeating colours would name no line); the step axis labels
// every k-th step, a label's width apart.
import test from 'node:test';
import assert from 'node:assert/strict';
import { timelineHeatmapOptions, timelineLineOptions, type TimelineCell } from '../../../../webview/timeline/plots';
import type { Theme } from '../../../../webview/common/theme';

const theme = {
  sequentialScheme: 'viridis',
  divergingScheme: 'rdbu',
  categorical: ['a', 'b', 'c', 'd', 'e', 'f'],
  foreground: '#000',
  background: '#fff',
} as Theme;

function cells(layers: number, steps: number): TimelineCell[] {
  return Array.from({ length: steps }, (_, s) => Array.from({ length: layers }, (_, layer) => ({ step: (s + 1) * 500, layer, value: layer + s / 100 }))).flat();
}

test('80 layers: one line per layer, coloured by layer on a ramp; the values are the cells', () => {
  const c = cells(80, 50);
  const o = timelineLineOptions(c, 'alpha', theme) as unknown as { color: { type: string; legend: boolean }; marks: { data: TimelineCell[] }[] };
  assert.equal(o.color.type, 'linear');
  assert.equal(o.color.legend, true);
  assert.equal(o.marks.length, 1);
  assert.deepEqual(o.marks[0]!.data, c);
});

test('6 layers: a swatch legend, one series per layer', () => {
  const o = timelineLineOptions(cells(6, 5), 'alpha', theme) as unknown as {
    color: { type?: string; legend: boolean };
    marks: { data: { series: string }[] }[];
  };
  assert.equal(o.color.type, undefined);
  assert.equal(o.color.legend, true);
  assert.equal(new Set(o.marks[0]!.data.map((r) => r.series)).size, 6);
});

test('50 steps of 5 digits: every 5th step labelled (556 px / 50 = 11 px a band, 45 px a label → 4.04 → 5)', () => {
  const o = timelineHeatmapOptions(cells(80, 50), 'alpha', theme) as { x: { ticks: number[] } };
  assert.deepEqual(
    o.x.ticks,
    Array.from({ length: 10 }, (_, k) => (5 * k + 1) * 500),
  );
});
