// rand_distance without a second copy of the matrix: the in-place shuffle visits the same entries in
// the same order as the copying one (stats/random.ts's `shuffled`), so a spectrum computed on a
// matrix it may consume equals the one computed on a matrix it must keep, value for value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpectrum } from '../../../../../src/analysis/methods/spectra/spectrum';
import { shuffleInPlace } from '../../../../../src/analysis/methods/spectra/shuffleInPlace';
import { normalSource, shuffled } from '../../../../../src/analysis/stats/random';

function gaussian(rows: number, cols: number, seed: number): Float32Array {
  const g = normalSource(seed);
  return Float32Array.from({ length: rows * cols }, () => g());
}

test('shuffleInPlace permutes exactly as shuffled does, without a copy', () => {
  for (const n of [0, 1, 2, 7, 1000]) {
    const data = gaussian(1, n, n + 1);
    const expected = shuffled(data, 0x5eed);
    const same = shuffleInPlace(data, 0x5eed);
    assert.equal(same, data, 'the same array comes back');
    assert.deepEqual(Array.from(data), Array.from(expected));
  }
});

test('a consumed matrix gives the same spectrum, rand_distance included', async () => {
  const rows = 60,
    cols = 40;
  const data = gaussian(rows, cols, 3);
  const kept = await analyzeSpectrum({ rows, cols, data: data.slice() }, {});
  const W = { rows, cols, data: data.slice() };
  const consumed = await analyzeSpectrum(W, { consume: true });
  assert.ok(Number.isFinite(kept.metrics.randDistance) && kept.metrics.randDistance > 0);
  assert.deepEqual(consumed, kept);
  assert.notDeepEqual(Array.from(W.data), Array.from(data), 'the consumed matrix was shuffled in place');
  assert.deepEqual(Array.from(W.data), Array.from(shuffled(data, 0x5eed)));
});
