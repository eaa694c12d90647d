// The spectra panel's data shaping (webview/spectra): what each heatmap cell shows, the depth
// curves, and the histogram density that is drawn under the Marchenko–Pastur curve.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { MatrixSpectra } from '../../../../src/analysis/methods/spectra/spectra';
import { analyzeSpectrum } from '../../../../src/analysis/methods/spectra/spectrum';
import { depthSeries, heatmapCells, metricById, METRICS } from '../../../../webview/spectra/metrics';
import { densityBins } from '../../../../webview/spectra/plots';
import { describeFit } from '../../../../webview/spectra/tailPlot';
import { fitPowerLaw, fitPowerLawAt } from '../../../../src/analysis/stats/powerLaw';
import { assertClose } from '../../analysis/stats/oracle';
import { gaussianMatrix, paretoSample, plantedSpectrum } from '../../analysis/methods/spectra/helpers';

test('histogram bins are a density: their area is 1 whatever the bin count', () => {
  const values = Array.from({ length: 500 }, (_, i) => Math.sqrt(i + 1));
  for (const count of [10, 37, 80]) {
    const bins = densityBins(values, Math.max(...values) * 1.01, count);
    assert.equal(bins.length, count);
    const area = bins.reduce((a, b) => a + b.density * (b.x1 - b.x0), 0);
    assert.ok(Math.abs(area - 1) < 1e-12, `area ${area}`);
  }
});

test('heatmap cells: values per metric, unreliable α shown as missing with its reason; depth curves per kind', async () => {
  // A planted Pareto spectrum has a reliable power-law tail; a 12×30 Gaussian matrix cannot.
  const big = await analyzeSpectrum(
    plantedSpectrum(
      120,
      200,
      paretoSample(120, 3, 1e-2, 5)
        .sort((a, b) => b - a)
        .map(Math.sqrt),
      6,
    ),
  );
  const small = await analyzeSpectrum(gaussianMatrix(12, 30, 0.1, 2), { randDistance: false });
  const entries: MatrixSpectra[] = [
    { layer: 1, kind: 'q', shape: [120, 200], spectrum: big, meanP: 0.4 },
    { layer: 0, kind: 'q', shape: [12, 30], spectrum: small, meanP: 0.6 },
    { layer: 0, kind: 'up', shape: [12, 30], spectrum: small, meanP: null },
  ];
  const alpha = heatmapCells(entries, metricById('alpha'));
  assert.equal(big.metrics.alpha.reliable, true);
  assert.equal(alpha[0]?.value, big.metrics.alpha.alpha);
  assert.equal(small.metrics.alpha.reliable, false);
  assert.equal(alpha[1]?.value, null);
  assert.match(alpha[1]?.note ?? '', /fewer than 25/);
  const spikes = heatmapCells(entries, metricById('spikes'));
  assert.deepEqual(
    spikes.map((c) => c.value),
    [big.mp?.spikes, small.mp?.spikes, small.mp?.spikes],
  );
  const p = heatmapCells(entries, metricById('meanP'));
  assert.deepEqual(
    p.map((c) => c.value),
    [0.4, 0.6, null],
  );
  assert.deepEqual(depthSeries(entries), [
    {
      name: 'q',
      points: [
        { x: 0, y: 0.6 },
        { x: 1, y: 0.4 },
      ],
    },
  ]);
  assert.equal(metricById('no such metric'), METRICS[0]);
  // Every metric reads something from a complete spectrum (no metric silently always null).
  for (const m of METRICS) assert.notEqual(m.get(entries[0]!), null, m.id);
});

test('the tail fit in words: a reliable fit gives α ± its error, an unreliable one its reason and no α', () => {
  const lambda = Array.from(paretoSample(200, 3, 0.5, 8));
  const good = fitPowerLawAt(lambda, 0.5);
  assert.equal(good.reliable, true);
  const text = describeFit(good, false);
  assert.match(text, /set by hand/);
  assertClose(Number(/α = ([-\d.e+]+)/.exec(text)?.[1]), good.alpha, 1e-3, 0, 'α shown');
  const few = fitPowerLawAt(lambda, lambda.slice().sort((a, b) => b - a)[11]!);
  assert.equal(few.nTail, 12);
  assert.equal(few.reliable, false);
  const flagged = describeFit(few, true);
  assert.doesNotMatch(flagged, /α =/);
  assert.match(flagged, /^Unreliable fit, α not reported: the tail has only 12 eigenvalues \(fewer than 25\)/);
  assert.match(flagged, /minimum KS distance/);
  assert.match(describeFit(fitPowerLaw([1, 2, 3]), true), /^No power-law fit: only 3 positive eigenvalues/);
});
