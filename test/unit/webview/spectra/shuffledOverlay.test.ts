// The "entries shuffled" step line of the spectra panel's histogram: a density of area 1 on the
// ESD's own bins, and the ESD drawn on those bins when the spectrum carries them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpectrum } from '../../../../src/analysis/methods/spectra/spectrum';
import { histogramPlot } from '../../../../webview/spectra/plots';
import { shuffledDensitySteps } from '../../../../webview/spectra/shuffledOverlay';
import type { Theme } from '../../../../webview/common/theme';
import { gaussianMatrix } from '../../analysis/methods/spectra/helpers';

const theme = { foreground: '#ccc', muted: '#888', accent: '#48f', categorical: ['#1', '#2', '#3', '#4', '#5'] } as unknown as Theme;

test('the step line is a density of area 1 over [0, hi], one step per bin', () => {
  const h = { hi: 6, counts: [0, 3, 5, 2, 0, 1] };
  const steps = shuffledDensitySteps(h);
  assert.equal(steps.length, 7);
  assert.deepEqual(
    steps.map((p) => p.x),
    [0, 1, 2, 3, 4, 5, 6],
  );
  // Bin width 1, 11 values: density = count / 11.
  assert.deepEqual(
    steps.slice(0, 6).map((p) => p.y),
    h.counts.map((c) => c / 11),
  );
  assert.equal(steps[6].y, steps[5].y);
  const area = steps.slice(0, 6).reduce((a, p) => a + p.y * (h.hi / h.counts.length), 0);
  assert.ok(Math.abs(area - 1) < 1e-12);
});

test('with the shuffled histogram the ESD uses its bins and the overlay adds a line and its legend', async () => {
  const W = gaussianMatrix(40, 16, 0.2, 9);
  const withIt = await analyzeSpectrum({ ...W, data: W.data.slice() });
  const without = await analyzeSpectrum({ ...W, data: W.data.slice() }, { randDistance: false });
  const a = histogramPlot(withIt, theme);
  const b = histogramPlot(without, theme);
  assert.ok(typeof a !== 'string' && typeof b !== 'string');
  assert.deepEqual((a.x as { domain: number[] }).domain, [0, withIt.shuffled!.hi]);
  assert.equal(a.marks!.length, b.marks!.length + 2);
});
