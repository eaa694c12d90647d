// WeightWatcher's power-law fit (powerLaw.ts fitPowerLawWW) and the pieces of its σ_mp fit
// (weightWatcher.ts, nelderMead.ts) against test/oracles/weightwatcher.json: WeightWatcher's
// published algorithm in numpy/scipy (WW_powerlaw.py WWFit, RMT_Util.py resid_mp, scipy's fmin).
import test from 'node:test';
import assert from 'node:assert/strict';
import { fitPowerLaw, fitPowerLawAt, fitPowerLawWW, RELIABLE_TAIL, WW_MIN_EVALS, wwTailDistance } from '../../../../src/analysis/stats/powerLaw';
import { fmin1d } from '../../../../src/analysis/stats/nelderMead';
import { calcSigma, linearKde, mpResidual, wwLogAlphaNorm, wwMatrixEntropy, wwMatrixRank } from '../../../../src/analysis/stats/weightWatcher';
import { uniformSource } from '../../../../src/analysis/stats/random';
import { assertClose } from './oracle';
import { wwOracle } from '../methods/spectra/wwOracle';

test("WeightWatcher's fit equals WWFit on every eigenvalue list of the oracle (α, x_min, D, σ, tail)", () => {
  for (const c of wwOracle.fits) {
    const fit = fitPowerLawWW(c.values);
    const ref = c.fit!;
    assert.equal(fit.method, 'ww');
    assert.equal(fit.nTail, ref.nTail, `${c.name}: tail size`);
    assertClose(fit.xmin, ref.xmin, 0, 0, `${c.name}: x_min`);
    assertClose(fit.alpha, ref.alpha, 1e-12, 0, `${c.name}: α`);
    assertClose(fit.ks, ref.D, 1e-12, 1e-15, `${c.name}: WeightWatcher's D`);
    assertClose(fit.sigma, ref.sigma, 1e-12, 0, `${c.name}: σ`);
    assert.equal(fit.n, ref.n, `${c.name}: values above 1e-5`);
    assert.equal(fit.reliable, ref.nTail >= RELIABLE_TAIL, `${c.name}: reliable`);
    // Through the dispatcher as well.
    assert.deepEqual(fitPowerLaw(c.values, { method: 'ww' }), fit);
  }
});

test('WW and Clauset fits are different rules: they disagree where the tail under 10 values or the one-sided D decides', () => {
  const byName = Object.fromEntries(wwOracle.fits.map((c) => [c.name, c]));
  // An exponential sample: WW takes a 9-value tail, which the Clauset rule may not.
  const exp = byName['exponential 150']!;
  assert.ok(exp.fit!.nTail < 10);
  assert.equal(fitPowerLawWW(exp.values).nTail, exp.fit!.nTail);
  const clauset = fitPowerLaw(exp.values);
  assert.equal(clauset.method, 'clauset');
  assert.ok(clauset.nTail >= 10);
  assertClose(clauset.alpha, exp.clauset!.alpha, 1e-12, 0, 'Clauset α of the same sample');
  assert.ok(Math.abs(clauset.alpha - exp.fit!.alpha) > 1, `the two α: ${clauset.alpha} vs ${exp.fit!.alpha}`);
});

test("WeightWatcher's D is max_j |1 − (x_j/x_min)^(1−α) − j/n|; 1 for α ≤ 1; the fit's D is its minimum over x_min", () => {
  const x = Float64Array.from([1, 1.5, 2, 3, 5, 8, 13, 21]);
  const alpha = 2.2;
  let d = 0;
  for (let j = 0; j < 8; j++) d = Math.max(d, Math.abs(1 - Math.pow(x[j]! / 1, 1 - alpha) - j / 8));
  assertClose(wwTailDistance(x, 0, alpha, 1), d, 1e-15, 0, 'D by hand');
  assert.equal(wwTailDistance(x, 0, 0.9, 1), 1);
  assert.equal(wwTailDistance(x, 0, NaN, 1), 1);
  const c = wwOracle.fits[0]!;
  const fit = fitPowerLawWW(c.values);
  const sorted = Float64Array.from(c.values.filter((v) => v > 1e-5)).sort();
  for (let i = 0; i < sorted.length - 1; i++) {
    const at = fitPowerLawAt(c.values, sorted[i]!, { method: 'ww' });
    assert.ok(at.ks >= fit.ks, `x_min ${sorted[i]} has D ${at.ks} < the chosen ${fit.ks}`);
  }
  // At its own x_min the hand-set fit is the automatic one.
  const same = fitPowerLawAt(c.values, fit.xmin, { method: 'ww' });
  assertClose(same.alpha, fit.alpha, 1e-12, 0, 'α at the chosen x_min');
  assertClose(same.ks, fit.ks, 1e-12, 0, 'D at the chosen x_min');
});

test("WeightWatcher's fit recovers α of an exact Pareto sample within three standard errors", () => {
  // The draws of powerLaw.test.ts (seed 99), so both fits are judged on the same samples.
  const uniform = uniformSource(99);
  for (const alpha of [2, 3.5, 6]) {
    const x = Array.from({ length: 4000 }, () => 0.7 * Math.pow(1 - uniform(), -1 / (alpha - 1)));
    const fit = fitPowerLawWW(x);
    assert.ok(fit.reliable, fit.reason);
    assert.ok(Math.abs(fit.alpha - alpha) < 3 * fit.sigma, `α = ${fit.alpha} ± ${fit.sigma}, drawn ${alpha}`);
  }
});

test(`WeightWatcher's fit: no fit under ${WW_MIN_EVALS} eigenvalues, values ≤ 1e-5 left out, equal top values give no NaN`, () => {
  const nine = [1, 2, 3, 5, 8, 13, 21, 34, 55];
  const none = fitPowerLawWW(nine);
  assert.ok(Number.isNaN(none.alpha));
  assert.match(none.reason ?? '', /^only 9 positive eigenvalues; a power-law fit needs at least 10/);
  assert.ok(Number.isFinite(fitPowerLawWW([0, ...nine]).alpha), 'ten eigenvalues, one of them 0: WeightWatcher fits the nine positive ones');
  const withTiny = fitPowerLawWW([1e-7, 5e-6, 1e-5, ...nine, 89]);
  assert.equal(withTiny.n, 10, 'values ≤ 1e-5 are not offered to the fit');
  assert.match(fitPowerLawWW(new Array(12).fill(1e-6)).reason ?? '', /above 1e-5/);
  const equalTop = wwOracle.fits.find((c) => c.name === 'largest three equal')!;
  const fit = fitPowerLawWW(equalTop.values);
  assert.ok(Number.isFinite(fit.alpha) && Number.isFinite(fit.ks));
  assert.equal(wwTailDistance(Float64Array.from([50, 50, 50]), 0, Infinity, 50), 2 / 3, 'an all-equal tail: α = ∞, D = (n − 1)/n as in numpy');
});

test('linear-kernel density equals the oracle (scikit-learn KernelDensity(kernel="linear") written out)', () => {
  const { samples, bandwidth, density } = wwOracle.kde;
  const max = Math.max(...samples);
  const step = (max + 0.5) / 999;
  const grid = Float64Array.from({ length: 1000 }, (_, i) => i * step);
  grid[999] = max + 0.5;
  const ours = linearKde(Float64Array.from(samples), grid, bandwidth);
  density.forEach((d, i) => assertClose(ours[i]!, d, 1e-12, 1e-15, `density at ${grid[i]}`));
  // One sample: a triangle of height 1/h and half-width h.
  assert.deepEqual(
    Array.from(linearKde(Float64Array.from([1]), Float64Array.from([0.8, 0.95, 1, 1.05, 1.25]), 0.1)).map((v) => +v.toFixed(12)),
    [0, 5, 10, 5, 0],
  );
});

test("resid_mp at fixed σ equals WeightWatcher's (MP for Q > 1 with its 1000-per-point penalty, quarter circle for Q = 1)", () => {
  for (const c of wwOracle.residMp) {
    const f = mpResidual(c.samples, c.Q, 0.1);
    for (const [sigma, r] of c.points) assertClose(f(sigma), r, 1e-11, 1e-12, `${c.name}: resid at σ = ${sigma}`);
    const lambdaMax = c.Q === 1 ? Math.max(...c.samples) ** 2 : Math.max(...c.samples);
    assertClose(calcSigma(c.Q, lambdaMax), c.sigma0, 1e-14, 0, `${c.name}: calc_sigma`);
  }
});

test("scipy's fmin (Nelder–Mead) step for step: same minimum, iterations, calls and status", () => {
  const fns: Record<string, (x: number) => number> = {
    '(x - 3)^2': (x) => (x - 3) ** 2,
    'x^4 - 3x^2 + x from 0': (x) => x ** 4 - 3 * x ** 2 + x,
    '|x - 0.7| + |x + 1.3| / 4': (x) => Math.abs(x - 0.7) + 0.25 * Math.abs(x + 1.3),
    'floor(4x)^2 plateaus': (x) => Math.floor(4 * x) ** 2,
    '-x, unbounded': (x) => -x,
  };
  for (const c of wwOracle.fmin) {
    const r = fmin1d(fns[c.name]!, c.x0);
    assertClose(r.x, c.x, 1e-12, 1e-15, `${c.name}: x`);
    assertClose(r.fun, c.fun, 1e-12, 1e-15, `${c.name}: f`);
    assert.deepEqual([r.iterations, r.evaluations, r.status], [c.iterations, c.evaluations, c.status], c.name);
  }
});

test('matrix_rank, entropy and log_alpha_norm follow their formulas: tolerance, floor, flat and one-spike spectra', () => {
  const s = [4, 2, 1, 1e-9, 1e-15];
  assert.equal(wwMatrixRank(s, 100), 4, 'only 1e-15 is under max·N·ε');
  assert.equal(wwMatrixRank(s, 100, 1e-7), 3, 'a floor of 1e-7·max drops 1e-9 too');
  // A flat spectrum has entropy 1 (up to the 1e-10 WeightWatcher adds); one dominant value → 0.
  assertClose(wwMatrixEntropy(new Array(50).fill(3), 50), 1, 1e-8, 0, 'flat');
  assert.ok(wwMatrixEntropy([100, ...new Array(49).fill(1e-3)], 50) < 0.01);
  assertClose(wwLogAlphaNorm([1, 4, 9], 2), Math.log10(1 + 16 + 81), 1e-15, 0, 'log10 Σ λ^α');
  assert.ok(Number.isNaN(wwLogAlphaNorm([1, 2], NaN)));
});
