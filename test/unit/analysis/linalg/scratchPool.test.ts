import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { eigh, DENSE_MAX } from '../../../../src/analysis/linalg/eigh';
import { IDLE_MS, giveScratch, keptScratch, takeScratch } from '../../../../src/analysis/linalg/scratchPool';
import { ascending, maxAbs, randomOrthogonal, withSpectrum } from './helpers';

test('a given-back buffer is handed out again, the smallest one that fits, as a view of the requested length', () => {
  const big = takeScratch(1000);
  const small = takeScratch(300);
  giveScratch(big, small);
  const again = takeScratch(200);
  assert.equal(again.length, 200);
  assert.equal(again.buffer, small.buffer, 'the 300-entry buffer serves a 200-entry request');
  const other = takeScratch(900);
  assert.equal(other.buffer, big.buffer);
  const fresh = takeScratch(2000);
  assert.notEqual(fresh.buffer, big.buffer, 'nothing kept is large enough: a new buffer');
  // A view goes back as its whole allocation: the 1000-entry buffer can serve 1000 again.
  giveScratch(other);
  assert.equal(takeScratch(1000).buffer, big.buffer);
  giveScratch(again, fresh);
});

test('stale contents of reused buffers never reach the result: a reduction on NaN-filled scratch is exact', async () => {
  // Fill the pool with poisoned buffers larger than anything the reduction asks for: any entry it
  // read before writing would turn the eigenvalues into NaN.
  const n = DENSE_MAX + 77;
  giveScratch(...Array.from({ length: 8 }, () => new Float64Array(4 * n * n).fill(Number.NaN)));
  const lambda = Array.from({ length: n }, (_, i) => Math.cos(i) * 20 + (i % 5 === 0 ? -3 : i / 9));
  const a = withSpectrum(randomOrthogonal(n, 11), lambda);
  for (const tuning of [undefined, { band: 4, panelsPerBlock: 3, splitMin: 8 }]) {
    const { values } = await eigh({ rows: n, cols: n, data: a }, { tuning });
    const expected = ascending(lambda);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] - expected[i]) < 1e-11 * maxAbs(lambda), `λ${i}: ${values[i]} vs ${expected[i]}`);
  }
  assert.ok(keptScratch() > 0, 'the reduction gave its buffers back');
});

test(`kept buffers are dropped ${IDLE_MS} ms after the pool was last used`, async () => {
  giveScratch(takeScratch(64));
  assert.ok(keptScratch() > 0);
  await sleep(IDLE_MS + 200);
  assert.equal(keptScratch(), 0);
});
