import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  absActivation,
  activatedCount,
  boxStats,
  defaultTau,
  patternSimilarity,
  pruningRatios,
  sparsity,
  subsetFor,
  subsetLength,
} from '../../../../../src/analysis/methods/activation/stats';

test('default τ follows the spec: 2e-6 for 32 layers, 5e-6 otherwise', () => {
  assert.equal(defaultTau(32), 2e-6);
  assert.equal(defaultTau(5), 5e-6);
  assert.equal(defaultTau(40), 5e-6);
});

test('pattern similarity Σ|a·b|/(‖a‖‖b‖): closed forms', () => {
  const f = (x: number[]) => [Float32Array.from(x)];
  assert.ok(Math.abs(patternSimilarity(f([1, 2, 3]), f([1, 2, 3])) - 1) < 1e-12);
  assert.ok(Math.abs(patternSimilarity(f([1, -2, 3]), f([-2, 4, -6])) - 1) < 1e-12); // signs and scale do not matter
  assert.equal(patternSimilarity(f([1, 0]), f([0, 1])), 0);
  // a = (3,4), b = (4,3): (12 + 12) / 25
  assert.ok(Math.abs(patternSimilarity(f([3, 4]), f([4, 3])) - 24 / 25) < 1e-12);
  // Matrices of a layer are concatenated: one vector over all of them.
  const two = patternSimilarity([Float32Array.from([3]), Float32Array.from([4])], [Float32Array.from([4]), Float32Array.from([3])]);
  assert.ok(Math.abs(two - 24 / 25) < 1e-12);
  assert.equal(patternSimilarity(f([0, 0]), f([1, 1])), 0);
});

test('pruning ratios: mean equals the target, denser layers get lower ratios, within [0, 1]', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.double({ min: 0, max: 0.95, noNaN: true }),
      (density, target) => {
        const r = pruningRatios(density, target);
        const mean = r.reduce((a, b) => a + b, 0) / r.length;
        assert.ok(Math.abs(mean - target) < 1e-9, `mean ${mean} vs ${target}`);
        for (const x of r) assert.ok(x >= -1e-12 && x <= 1 + 1e-12);
        for (let i = 0; i < r.length; i++)
          for (let j = 0; j < r.length; j++) {
            if (density[i] > density[j]) assert.ok(r[i] <= r[j] + 1e-12);
          }
      },
    ),
  );
  // Closed form without clipping: r = target + (mean d − d). densities 0.2, 0.6, mean 0.4, target 0.3 → 0.5, 0.1
  const r = pruningRatios([0.2, 0.6], 0.3);
  assert.ok(Math.abs(r[0] - 0.5) < 1e-12 && Math.abs(r[1] - 0.1) < 1e-12);
  // Equal densities give the target everywhere, however close to 1 they are.
  assert.deepEqual(
    pruningRatios([0.998, 0.998, 0.998], 0.5).map((x) => +x.toFixed(12)),
    [0.5, 0.5, 0.5],
  );
  // Clipping: densities 0, 1, 1 (mean 2/3), target 0.5 → the first is clipped at 1, the others share the rest: 0.25 each.
  const c = pruningRatios([0, 1, 1], 0.5);
  assert.deepEqual(
    c.map((x) => +x.toFixed(9)),
    [1, 0.25, 0.25],
  );
  assert.throws(() => pruningRatios([0.5], 1.5), /target pruning ratio/);
});

test('activated count compares mean |A| with τ', () => {
  const sums = Float32Array.from([0, 3e-6, 6e-6, 1e-5]); // over 2 prompts: means 0, 1.5e-6, 3e-6, 5e-6
  assert.equal(activatedCount(sums, 2, 2e-6), 2);
  assert.equal(activatedCount(sums, 2, 5e-6), 0);
  assert.equal(activatedCount(sums, 1, 2e-6), 3);
});

test('strided subsets visit every column and |θ·g| uses the same entries', () => {
  const s = subsetFor(12 * 8, 4, 8); // stride 4 shares a factor with 8 → 5
  assert.equal(s.stride, 5);
  const cols = new Set<number>();
  for (let j = s.offset; j < s.size; j += s.stride) cols.add(j % 8);
  assert.equal(cols.size, 8);
  assert.equal(subsetLength(s), Math.floor((96 - 1 - s.offset) / 5) + 1);
  const theta = Float32Array.from({ length: 96 }, (_, i) => i - 40);
  const grad = Float32Array.from({ length: 96 }, (_, i) => (i % 3) - 1);
  const a = absActivation(theta, grad, s);
  a.forEach((v, k) => assert.equal(v, Math.abs(theta[s.offset + k * 5] * grad[s.offset + k * 5])));
  const full = absActivation(theta, grad, subsetFor(96, 1));
  assert.equal(full.length, 96);
  assert.throws(() => absActivation(theta, grad.subarray(1), s), /differ in size/);
});

test('sparsity and box statistics', () => {
  assert.equal(sparsity([0.001, -0.5, 0.009, 2, -0.0099], 0.01), 3 / 5);
  assert.equal(sparsity([], 0.01), 0);
  // numpy.percentile([1,2,3,4,10], [25,50,75]) = 2, 3, 4
  assert.deepEqual(boxStats([10, 1, 3, 2, 4]), { min: 1, q1: 2, median: 3, q3: 4, max: 10, n: 5 });
  assert.equal(boxStats([]), null);
});
