/** Descriptors from small barcodes, against values computed by hand (worked in the comments). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageSimilarity,
  bettiCurve,
  maxPrunedLayers,
  normalisedHeatmap,
  pruningSuggestion,
  similarityMatrix,
  type LayerBar,
} from '../../../../../src/analysis/methods/persistence/descriptors';

// Four clouds (three decoder layers + final norm). H1 bars: A alive everywhere [0,4), B [1,3), C [2,3);
// one H0 bar that must not leak into H1 numbers.
const bars: LayerBar[] = [
  { dim: 1, birth: 0, death: 4 },
  { dim: 1, birth: 1, death: 3 },
  { dim: 1, birth: 2, death: 3 },
  { dim: 0, birth: 0, death: 2 },
];

function close(actual: number[], expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `index ${i}: ${v} vs ${expected[i]}`));
}

test('Betti curve: β1 = [1, 2, 3, 1], β0 = [1, 1, 0, 0]', () => {
  assert.deepEqual(bettiCurve(bars, 1, 4), [1, 2, 3, 1]);
  assert.deepEqual(bettiCurve(bars, 0, 4), [1, 1, 0, 0]);
});

test('S1(i, j) counts bars alive over [min, max]; diagonal is β1', () => {
  assert.deepEqual(similarityMatrix(bars, 1, 4), [
    [1, 1, 1, 1],
    [1, 2, 2, 1],
    [1, 2, 3, 1],
    [1, 1, 1, 1],
  ]);
});

test('heatmap S1(i, j)/β1(i) and average similarity S̄1 by hand', () => {
  const s = similarityMatrix(bars, 1, 4);
  const h = normalisedHeatmap(s);
  close(h[1], [1 / 2, 1, 1, 1 / 2]);
  close(h[2], [1 / 3, 2 / 3, 1, 1 / 3]);
  // S̄(0) = (1/1 + 1/2 + 1/3 + 1/1)/4, S̄(1) = (1 + 2/2 + 2/3 + 1)/4, S̄(2) = (1 + 1 + 1 + 1)/4, S̄(3) = S̄(0).
  close(averageSimilarity(s), [17 / 24, 11 / 12, 1, 17 / 24]);
  // A dimension without bars: zeros, no NaN.
  close(averageSimilarity(similarityMatrix(bars, 2, 4)), [0, 0, 0, 0]);
  close(normalisedHeatmap(similarityMatrix(bars, 2, 4))[0], [0, 0, 0, 0]);
});

test('pruning: decoder layers with S̄1 ≥ p·max; the final-norm cloud is never suggested', () => {
  const avg = averageSimilarity(similarityMatrix(bars, 1, 4));
  assert.deepEqual(pruningSuggestion(avg, 3, 0.9), { p: 0.9, threshold: 0.9, layers: [1, 2], ruleLayers: [1, 2], maxLayers: 2, capped: false });
  assert.deepEqual(pruningSuggestion(avg, 3, 0.8).layers, [1, 2]);
  // The rule alone takes all three decoder layers at 0.7 (S̄ = 17/24, 11/12, 1 ≥ 0.7): by default
  // never all of them, so the two with the highest S̄ stay suggested.
  const all = pruningSuggestion(avg, 3, 0.7);
  assert.deepEqual(all.ruleLayers, [0, 1, 2]);
  assert.deepEqual(all.layers, [1, 2]);
  assert.equal(all.capped, true);
  assert.deepEqual(pruningSuggestion(avg, 3, 0.7, 3).layers, [0, 1, 2], 'an explicit cap of every layer is obeyed');
  assert.deepEqual(pruningSuggestion(avg, 3, 0.7, 1), { p: 0.7, threshold: 0.7, layers: [2], ruleLayers: [0, 1, 2], maxLayers: 1, capped: true });
  assert.deepEqual(pruningSuggestion(avg, 3, 0.7, 0).layers, []);
  assert.deepEqual(pruningSuggestion([0, 0, 0], 2, 0.9).layers, []);
  assert.throws(() => pruningSuggestion(avg, 3, 0), /\(0, 1\]/);
  assert.throws(() => pruningSuggestion(avg, 3, 0.9, 1.5), /non-negative integer/);
});

test('the cap: ⌊share · L⌋ layers, at least one, never all; a tie in S̄ goes to the deeper layer', () => {
  assert.equal(maxPrunedLayers(32, 0.5), 16);
  assert.equal(maxPrunedLayers(32, 0.99), 31);
  assert.equal(maxPrunedLayers(5, 0.5), 2);
  assert.equal(maxPrunedLayers(4, 0.1), 1, 'at least one');
  assert.equal(maxPrunedLayers(2, 0.9), 1, 'never all');
  assert.equal(maxPrunedLayers(1, 0.5), 0, 'a one-layer model keeps its layer');
  assert.throws(() => maxPrunedLayers(4, 1), /\(0, 1\)/);
  assert.throws(() => maxPrunedLayers(4, 0), /\(0, 1\)/);
  // Flat curve (every layer shares every feature): the rule takes every decoder layer.
  const flat = pruningSuggestion([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 5, 0.8, maxPrunedLayers(5, 0.5));
  assert.deepEqual(flat.ruleLayers, [0, 1, 2, 3, 4]);
  assert.deepEqual(flat.layers, [3, 4]);
  assert.equal(flat.capped, true);
  // Highest S̄ first, whatever the order: 0.3 (layer 1) and 0.25 (layers 0 and 3, the deeper wins).
  assert.deepEqual(pruningSuggestion([0.25, 0.3, 0.1, 0.25, 0.2], 4, 0.5, 2).layers, [1, 3]);
});
