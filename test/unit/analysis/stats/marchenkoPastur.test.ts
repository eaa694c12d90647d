import test from 'node:test';
import assert from 'node:assert/strict';
import { marchenkoPastur, mpDensity, mpCdf, mpCurve } from '../../../../src/analysis/stats/marchenkoPastur';
import { oracle, assertClose } from './oracle';

test('Marchenko–Pastur edges, density and CDF match the spec formula integrated by scipy.integrate.quad', () => {
  for (const c of oracle.marchenkoPastur) {
    const law = marchenkoPastur(c.rows, c.cols, c.sigma);
    const what = `${c.rows}×${c.cols} σ=${c.sigma}`;
    assertClose(law.lower, c.lower, 1e-14, 1e-15, `${what}: ν₋`);
    assertClose(law.upper, c.upper, 1e-14, 0, `${what}: ν₊`);
    assertClose(law.lowerTolerant, c.lowerTolerant, 1e-12, 1e-15, `${what}: tolerant ν₋`);
    assertClose(law.upperTolerant, c.upperTolerant, 1e-12, 0, `${what}: tolerant ν₊`);
    const cdf = mpCdf(law);
    for (const [nu, density, f] of c.points) {
      assertClose(mpDensity(law, nu), density, 1e-12, 1e-12, `${what}: density at ${nu}`);
      assertClose(cdf(nu), f, 0, 1e-10, `${what}: CDF at ${nu}`);
    }
  }
});

test('Marchenko–Pastur: shape is orientation-free, the CDF runs 0 → 1, the tolerance widens the bulk', () => {
  const wide = marchenkoPastur(64, 256, 0.1);
  const tall = marchenkoPastur(256, 64, 0.1);
  assert.deepEqual(wide, tall);
  const cdf = mpCdf(wide);
  assert.equal(cdf(wide.lower), 0);
  assert.equal(cdf(wide.upper), 1);
  let previous = 0;
  for (let i = 1; i < 100; i++) {
    const f = cdf(wide.lower + ((wide.upper - wide.lower) * i) / 100);
    assert.ok(f > previous, 'the CDF increases through the bulk');
    previous = f;
  }
  assert.ok(wide.upperTolerant > wide.upper && wide.lowerTolerant < wide.lower);
  // Square: the lower edge is 0 (hard edge), where the substitution needs its closed-form limit.
  const square = marchenkoPastur(50, 50, 1);
  assert.equal(square.lower, 0);
  assertClose(mpCdf(square)(square.upper * 0.5), quarterCircleCdfAtOne(), 0, 1e-10, 'square CDF at ν₊/2');
  const curve = mpCurve(wide, 50);
  assert.equal(curve.x.length, 50);
  assert.equal(curve.y[0], 0);
  assert.throws(() => marchenkoPastur(0, 5, 1), /positive integers/);
  assert.throws(() => marchenkoPastur(5, 5, 0), /entry std/);
});

/**
 * Closed form for the square case: the singular values of an n×n matrix divided by σ√n follow the
 * quarter-circle law p(x) = √(4 − x²)/π on [0, 2], so F(ν₊/2) = F(1) = (√3/2 + π/3)/π.
 */
function quarterCircleCdfAtOne(): number {
  return (Math.sqrt(3) / 2 + Math.PI / 3) / Math.PI;
}
