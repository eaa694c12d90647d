import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGumbel, gumbelCdf, gumbelCurve, gumbelDensity } from '../../../../src/analysis/stats/gumbel';
import { gumbelOracle } from './gumbelOracle';

function logLikelihood(sample: ArrayLike<number>, loc: number, scale: number): number {
  let s = 0;
  for (let i = 0; i < sample.length; i++) s += Math.log(gumbelDensity(sample[i], { loc, scale }));
  return s;
}

test('Gumbel MLE matches scipy.stats.gumbel_r.fit on every oracle sample', () => {
  for (const c of gumbelOracle.samples) {
    const fit = fitGumbel(c.sample);
    const spread = c.scale;
    assert.ok(Math.abs(fit.scale - c.scale) <= 1e-9 * c.scale, `${c.name}: scale ${fit.scale} vs scipy ${c.scale}`);
    assert.ok(Math.abs(fit.loc - c.loc) <= 1e-9 * spread + 1e-12 * Math.abs(c.loc), `${c.name}: loc ${fit.loc} vs scipy ${c.loc}`);
    assert.equal(fit.n, c.sample.length);
    const ll = logLikelihood(c.sample, fit.loc, fit.scale);
    assert.ok(Math.abs(ll - c.logLikelihood) <= 1e-8 * Math.max(1, Math.abs(c.logLikelihood)), `${c.name}: log-likelihood ${ll} vs ${c.logLikelihood}`);
  }
});

test('the fit is a maximum of the likelihood: every small step in loc or scale lowers it', () => {
  for (const c of gumbelOracle.samples) {
    const fit = fitGumbel(c.sample);
    const best = logLikelihood(c.sample, fit.loc, fit.scale);
    const h = 1e-3 * fit.scale;
    for (const [du, db] of [
      [h, 0],
      [-h, 0],
      [0, h],
      [0, -h],
      [h, h],
      [-h, -h],
    ]) {
      assert.ok(logLikelihood(c.sample, fit.loc + du, fit.scale + db) < best, `${c.name}: step (${du}, ${db}) did not lower the likelihood`);
    }
  }
});

test('Gumbel fit is equivariant under positive affine maps of the data', () => {
  const base = gumbelOracle.samples[1].sample;
  const f0 = fitGumbel(base);
  const a = 3.5,
    b = -7.25;
  const f1 = fitGumbel(base.map((v) => a * v + b));
  assert.ok(Math.abs(f1.scale - a * f0.scale) <= 1e-10 * a * f0.scale);
  assert.ok(Math.abs(f1.loc - (a * f0.loc + b)) <= 1e-10 * (a * f0.scale + Math.abs(b)));
});

test('all-equal samples give a point mass at that value (DOCS of X with itself)', () => {
  assert.deepEqual(fitGumbel(new Float32Array([1, 1, 1, 1])), { loc: 1, scale: 0, n: 4 });
  assert.deepEqual(fitGumbel([0.25]), { loc: 0.25, scale: 0, n: 1 });
});

test('bad samples are rejected with a clear message', () => {
  assert.throws(() => fitGumbel([]), /empty/);
  assert.throws(() => fitGumbel([0.1, NaN, 0.3]), /value 1 is NaN/);
  assert.throws(() => fitGumbel([0.1, Infinity]), /finite/);
});

test('density integrates to 1 and is the derivative of the cdf', () => {
  const fit = { loc: 0.4, scale: 0.05 };
  const { x, y } = gumbelCurve(fit, -0.5, 2, 5001);
  let integral = 0;
  for (let i = 1; i < x.length; i++) integral += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
  assert.ok(Math.abs(integral - 1) < 1e-6, `integral ${integral}`);
  for (const v of [0.3, 0.4, 0.47, 0.6]) {
    const h = 1e-6;
    const fd = (gumbelCdf(v + h, fit) - gumbelCdf(v - h, fit)) / (2 * h);
    assert.ok(Math.abs(fd - gumbelDensity(v, fit)) < 1e-6 * Math.max(1, fd), `at ${v}: ${fd} vs ${gumbelDensity(v, fit)}`);
  }
  // The mode is at the location, where the density is 1/(e·β).
  assert.ok(Math.abs(gumbelDensity(0.4, fit) - 1 / (Math.E * 0.05)) < 1e-12);
});
