// The semantic-similarity section's plot data (webview/activation/stsPlot.ts): one point per layer with a
// defined ρ, marked when p < 0.05, drawn with the zero line; nothing to draw when ρ is undefined everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stsPlot, stsPoints } from '../../../../webview/activation/stsPlot';
import type { Theme } from '../../../../webview/common/theme';

const layers = [
  { layer: 0, rho: 0.12, p: 0.4, n: 40 },
  { layer: 1, rho: 0.51, p: 0.0008, n: 40 },
  { layer: 2, rho: NaN, p: NaN, n: 40 },
  { layer: 3, rho: -0.33, p: 0.049, n: 40 },
  { layer: 4, rho: 0.31, p: 0.05, n: 40 },
];

test('points per layer, p < 0.05 marked, undefined ρ left out', () => {
  assert.deepEqual(
    stsPoints({ layers }).map((p) => [p.layer, p.significant]),
    [
      [0, false],
      [1, true],
      [3, true],
      [4, false],
    ],
  );
  const theme = { accent: '#00f', muted: '#888' } as Theme;
  const plot = stsPlot({ layers }, theme)!;
  assert.deepEqual(plot.y?.domain, [-1, 1]);
  assert.equal(plot.marks?.length, 3, 'zero line, ρ line, markers');
  assert.equal(stsPlot({ layers: [{ layer: 0, rho: NaN, p: NaN, n: 3 }] }, theme), null);
});
