// The spectra panel's depth and per-vector pictures (webview/spectra/depthViews.ts): the points drawn
// are the values the analysis computed, unreliable fits are gaps, every kind gets its own line.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { MatrixSpectra } from '../../../../src/analysis/methods/spectra/spectra';
import { analyzeSpectrum } from '../../../../src/analysis/methods/spectra/spectrum';
import { alphaDepthLines, orderKinds, randomnessDepthLines, vectorPRows } from '../../../../webview/spectra/depthViews';
import { gaussianMatrix, paretoSample, plantedSpectrum, withLocalisedSpike } from '../../analysis/methods/spectra/helpers';

test('per-vector p: one row per tested vector of the matrix and of each head, in singular-value order', async () => {
  // A localised spike makes the leading singular vector far from N(0, 1/n): its p is tiny, the rest are not.
  const { matrix } = withLocalisedSpike(gaussianMatrix(60, 80, 0.1, 3), 40, 3, 4);
  const whole = await analyzeSpectrum(matrix);
  const head = await analyzeSpectrum(gaussianMatrix(16, 80, 0.1, 5));
  const entry: MatrixSpectra = { layer: 0, kind: 'q', shape: [60, 80], spectrum: whole, heads: [{ head: 3, spectrum: head }], meanP: 0.5 };
  const rows = vectorPRows(entry);
  const m = rows.filter((r) => r.series === 'matrix');
  assert.equal(m.length, whole.vectors!.count);
  assert.deepEqual(
    m.map((r) => r.p),
    whole.vectors!.p,
  );
  assert.deepEqual(
    m.map((r) => r.index),
    m.map((_, i) => i + 1),
  );
  assert.ok(m[0]!.p < 1e-6, `the localised vector's p is ${m[0]!.p}`);
  const hs = rows.filter((r) => r.series === 'head 3');
  assert.equal(hs.length, head.vectors!.count);
  assert.ok(hs.every((r) => r.head === 3));
  // The drawn p average to the mean the heatmap shows.
  const mean = m.reduce((a, r) => a + r.p, 0) / m.length;
  assert.ok(Math.abs(mean - whole.vectors!.meanP) < 1e-12);
  // A run that kept no values draws nothing rather than a fake row.
  const bare = await analyzeSpectrum(gaussianMatrix(16, 20, 0.1, 6), { keepValues: false });
  assert.deepEqual(vectorPRows({ layer: 0, kind: 'k', shape: [16, 20], spectrum: bare, meanP: bare.vectors!.meanP }), []);
});

test('α and alpha_weighted against depth: one line per kind, reliable fits only; randomness for every kind', async () => {
  const reliable = await analyzeSpectrum(
    plantedSpectrum(
      120,
      200,
      paretoSample(120, 3, 1e-2, 5)
        .sort((a, b) => b - a)
        .map(Math.sqrt),
      6,
    ),
  );
  const unreliable = await analyzeSpectrum(gaussianMatrix(12, 30, 0.1, 2), { randDistance: false });
  assert.equal(reliable.metrics.alpha.reliable, true);
  assert.equal(unreliable.metrics.alpha.reliable, false);
  const entries: MatrixSpectra[] = [
    { layer: 2, kind: 'down', shape: [120, 200], spectrum: reliable, meanP: 0.3 },
    { layer: 0, kind: 'down', shape: [120, 200], spectrum: reliable, meanP: 0.7 },
    { layer: 1, kind: 'down', shape: [12, 30], spectrum: unreliable, meanP: 0.2 },
    { layer: 0, kind: 'q', shape: [12, 30], spectrum: unreliable, meanP: 0.9 },
    // An expert's matrix belongs to the Experts section, not to the per-kind lines.
    { layer: 0, kind: 'up', expert: 1, shape: [120, 200], spectrum: reliable, meanP: 0.1 },
  ];
  assert.deepEqual(alphaDepthLines(entries, 'alpha'), [
    {
      name: 'down',
      points: [
        { x: 0, y: reliable.metrics.alpha.alpha },
        { x: 2, y: reliable.metrics.alpha.alpha },
      ],
    },
  ]);
  assert.deepEqual(
    alphaDepthLines(entries, 'alphaWeighted')[0]!.points.map((p) => p.y),
    [reliable.metrics.alphaWeighted, reliable.metrics.alphaWeighted],
  );
  assert.ok(Math.abs(reliable.metrics.alphaWeighted - reliable.metrics.alpha.alpha * reliable.metrics.logSpectralNorm) < 1e-12);
  assert.deepEqual(randomnessDepthLines(entries), [
    { name: 'q', points: [{ x: 0, y: 0.9 }] },
    {
      name: 'down',
      points: [
        { x: 0, y: 0.7 },
        { x: 1, y: 0.2 },
        { x: 2, y: 0.3 },
      ],
    },
  ]);
  assert.deepEqual(orderKinds(['zeta', 'down', 'q', 'router', 'alpha']), ['q', 'down', 'router', 'alpha', 'zeta']);
});
