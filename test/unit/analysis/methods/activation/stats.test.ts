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

test('pruning ratios (OWL allocation): mean equals the target, denser layers get lower ratios, within [0, 1] and target ± 2λ', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      (density, target, lambda) => {
        const r = pruningRatios(density, target, lambda);
        const mean = r.reduce((a, b) => a + b, 0) / r.length;
        assert.ok(Math.abs(mean - target) < 1e-9, `mean ${mean} vs ${target}`);
        for (const x of r) assert.ok(x >= 0 && x <= 1);
        // Never further from the target than 2λ (clipping only pulls towards the middle).
        for (const x of r) assert.ok(Math.abs(x - target) <= 2 * lambda + 1e-9, `${x} vs ${target} ± ${2 * lambda}`);
        for (let i = 0; i < r.length; i++)
          for (let j = 0; j < r.length; j++) {
            if (density[i] > density[j]) assert.ok(r[i] <= r[j] + 1e-12);
          }
      },
    ),
  );
  const close = (got: number[], want: number[]) => got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-12, `${got} vs ${want}`));
  // Closed form r = target − 2λ(n − mean n), n = (d − min)/(max − min): d 0.2, 0.6 → n 0, 1; target 0.3, λ 0.08 → 0.38, 0.22.
  close(pruningRatios([0.2, 0.6], 0.3), [0.38, 0.22]);
  // d 0.1, 0.3, 0.9 → n 0, 0.25, 1 (mean 5/12); target 0.5 → 0.5 − 0.16·(n − 5/12).
  close(pruningRatios([0.1, 0.3, 0.9], 0.5), [0.5 + 0.16 * (5 / 12), 0.5 - 0.16 * (0.25 - 5 / 12), 0.5 - 0.16 * (1 - 5 / 12)]);
  // λ scales the spread: λ 0.25 on n 0, 1 → target ± 0.25.
  close(pruningRatios([3, 7], 0.5, 0.25), [0.75, 0.25]);
  // Only the densities' order and spacing count, not their scale (min–max normalisation).
  close(pruningRatios([0.998, 0.999], 0.5), pruningRatios([0, 1], 0.5));
  // Equal densities give the target everywhere.
  assert.deepEqual(pruningRatios([0.998, 0.998, 0.998], 0.5), [0.5, 0.5, 0.5]);
  // Clipping: target 0.05, λ 0.08, n 0, 1 → 0.13, −0.03 before clipping; clipped at 0 and re-shifted to mean 0.05 → 0.1, 0.
  close(pruningRatios([0, 1], 0.05), [0.1, 0]);
  assert.throws(() => pruningRatios([0.5], 1.5), /target pruning ratio/);
  assert.throws(() => pruningRatios([0.5], 0.5, 0.7), /λ/);
  assert.throws(() => pruningRatios([0.5, NaN], 0.5), /layer 1 has no finite density/);
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
