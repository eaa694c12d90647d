import test from 'node:test';
import assert from 'node:assert/strict';
import { jensenShannonDistance } from '../../../../src/analysis/stats/jensenShannon';
import { oracle, assertClose } from './oracle';

test('Jensen–Shannon distance matches scipy.spatial.distance.jensenshannon (natural log and base 2)', () => {
  for (const c of oracle.jensenShannon) {
    assertClose(jensenShannonDistance(c.p, c.q), c.distance, 1e-14, 1e-16, `JS(${c.p}; ${c.q})`);
    assertClose(jensenShannonDistance(c.p, c.q, 2), c.distanceBase2, 1e-14, 1e-16, `JS₂(${c.p}; ${c.q})`);
  }
});

test('Jensen–Shannon distance: zero for equal distributions up to scale, √ln2 for disjoint ones, clear errors', () => {
  assert.equal(jensenShannonDistance([1, 2, 3], [2, 4, 6]), 0);
  assertClose(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(Math.LN2), 1e-15, 0, 'disjoint');
  assert.throws(() => jensenShannonDistance([1], [1, 2]), /different lengths/);
  assert.throws(() => jensenShannonDistance([1, -1], [1, 2]), /non-negative/);
  assert.throws(() => jensenShannonDistance([0, 0], [1, 2]), /sums to zero/);
});
