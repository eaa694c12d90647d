import test from 'node:test';
import assert from 'node:assert/strict';
import { fitPowerLaw, fitPowerLawAt, MIN_TAIL, RELIABLE_TAIL } from '../../../../src/analysis/stats/powerLaw';
import { uniformSource } from '../../../../src/analysis/stats/random';
import { oracle, assertClose } from './oracle';

test('power-law fit (MLE α, x_min by minimum KS) matches a direct numpy implementation of the same rule', () => {
  const { sample, fit, at } = oracle.powerLaw;
  const ours = fitPowerLaw(sample);
  assert.equal(ours.xmin, fit.xmin);
  assert.equal(ours.nTail, fit.nTail);
  assertClose(ours.alpha, fit.alpha, 1e-12, 0, 'α');
  assertClose(ours.ks, fit.ks, 1e-12, 0, 'KS distance');
  assert.equal(ours.reliable, true);
  assertClose(ours.sigma, (fit.alpha - 1) / Math.sqrt(fit.nTail), 1e-12, 0, 'standard error');
  for (const c of at) {
    const r = fitPowerLawAt(sample, c.xmin);
    assert.equal(r.nTail, c.nTail);
    assertClose(r.alpha, c.alpha, 1e-12, 0, `α at x_min ${c.xmin}`);
    assertClose(r.ks, c.ks, 1e-12, 0, `KS at x_min ${c.xmin} (scipy kstest vs Pareto)`);
  }
});

test('power-law fit recovers α of an exact Pareto sample within three standard errors', () => {
  const uniform = uniformSource(99);
  for (const alpha of [2, 3.5, 6]) {
    const xmin = 0.7;
    const x = Array.from({ length: 4000 }, () => xmin * Math.pow(1 - uniform(), -1 / (alpha - 1)));
    const atTrue = fitPowerLawAt(x, xmin);
    assert.ok(Math.abs(atTrue.alpha - alpha) < 3 * atTrue.sigma, `α at the true x_min: ${atTrue.alpha} vs ${alpha}`);
    const free = fitPowerLaw(x);
    assert.ok(Math.abs(free.alpha - alpha) < 3 * free.sigma, `α with x_min chosen: ${free.alpha} ± ${free.sigma} vs ${alpha}`);
  }
});

test(`power-law fit flags tails under ${RELIABLE_TAIL} values and refuses fewer than ${MIN_TAIL}`, () => {
  const few = [1, 2, 3, 5, 8];
  const none = fitPowerLaw(few);
  assert.ok(Number.isNaN(none.alpha));
  assert.equal(none.reliable, false);
  assert.match(none.reason ?? '', /only 5 positive eigenvalues/);
  const small = Array.from({ length: 15 }, (_, i) => Math.pow(1.3, i));
  const fit = fitPowerLaw(small);
  assert.ok(Number.isFinite(fit.alpha));
  assert.equal(fit.reliable, false);
  assert.ok(fit.nTail >= MIN_TAIL && fit.nTail < RELIABLE_TAIL);
  assert.match(fit.reason ?? '', /fewer than 25/);
  const equal = fitPowerLaw(new Array(30).fill(2));
  assert.equal(equal.reliable, false);
  assert.match(equal.reason ?? '', /all equal/);
  assert.throws(() => fitPowerLawAt(small, -1), /x_min must be a positive number/);
  assert.equal(fitPowerLaw([0, -1, NaN, ...small]).n, 15, 'non-positive and non-finite values are ignored');
});
