import test from 'node:test';
import assert from 'node:assert/strict';
import { erf, erfc, normalCdf } from '../../../../src/analysis/stats/erf';
import { oracle, assertClose } from './oracle';

test('erf and erfc match scipy.special to a few ulps, including the far tails', () => {
  assert.ok(oracle.erf.length > 20);
  for (const [x, e, ec] of oracle.erf) {
    assertClose(erf(x), e, 4e-16, 1e-300, `erf(${x})`);
    assertClose(erfc(x), ec, 2e-15, 1e-300, `erfc(${x})`);
  }
});

test('normalCdf keeps relative accuracy in the lower tail and scales with the variance', () => {
  // Φ(−10) = ½ erfc(10/√2) (scipy.stats.norm.cdf(−10)).
  assertClose(normalCdf(-10), 7.61985302416047e-24, 3e-14, 0, 'Φ(−10)');
  assertClose(normalCdf(0.3, 0.09), normalCdf(1), 1e-15, 0, 'N(0, 0.09) at 0.3 = Φ(1)');
  assert.equal(normalCdf(0, 1 / 2048), 0.5);
  assert.throws(() => normalCdf(1, 0), /variance must be positive/);
});
