// The activation panel's "Density by domain": one line with markers per domain against depth, drawn
// from the result's per-domain fractions as they are, and nothing before the run has finished.
import test from 'node:test';
import assert from 'node:assert/strict';
import { domainDensityPlot, domainDensityPoints } from '../../../../webview/activation/domainDensity';
import type { Theme } from '../../../../webview/common/theme';

const theme = { foreground: '#ccc', muted: '#888', accent: '#48f', categorical: ['#1', '#2', '#3'] } as unknown as Theme;

test('one point per domain and layer, the domains in the result’s order', () => {
  const r = {
    domainLayerFraction: [
      { domain: 'code', fraction: [0.5, 0.25, 0.125] },
      { domain: 'prose', fraction: [0.75, 0.5, 0] },
    ],
  };
  assert.deepEqual(domainDensityPoints(r), [
    { domain: 'code', layer: 0, fraction: 0.5 },
    { domain: 'code', layer: 1, fraction: 0.25 },
    { domain: 'code', layer: 2, fraction: 0.125 },
    { domain: 'prose', layer: 0, fraction: 0.75 },
    { domain: 'prose', layer: 1, fraction: 0.5 },
    { domain: 'prose', layer: 2, fraction: 0 },
  ]);
  const plot = domainDensityPlot(r, theme)!;
  assert.deepEqual((plot.color as { domain: string[] }).domain, ['code', 'prose']);
  assert.deepEqual((plot.x as { ticks: number[] }).ticks, [0, 1, 2]);
  assert.equal(plot.marks!.length, 3, 'lines, markers and the zero rule');
});

test('no plot without per-domain fractions (a running or an older result)', () => {
  assert.equal(domainDensityPlot({}, theme), null);
  assert.equal(domainDensityPlot({ domainLayerFraction: [] }, theme), null);
});
