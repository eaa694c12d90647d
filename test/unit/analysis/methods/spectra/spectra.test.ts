import test from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpectrum, spectrumDistance } from '../../../../../src/analysis/methods/spectra/spectrum';
import { oracle, assertClose } from '../../stats/oracle';
import { kstest } from '../../../../../src/analysis/stats/ks';
import { normalCdf } from '../../../../../src/analysis/stats/erf';
import { normalSource } from '../../../../../src/analysis/stats/random';
import { gaussianMatrix, paretoSample, plantedSpectrum, withLocalisedSpike } from './helpers';

test('small fixed matrices: singular values, Gram eigenvalues, singular-vector KS p and every metric match numpy/scipy', async () => {
  for (const c of oracle.matrices) {
    const W = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.data) };
    // The oracle's α is the Clauset et al. rule; WeightWatcher's fit, the default, is
    // checked against its own oracle in weightwatcher.test.ts.
    const right = await analyzeSpectrum(W, { seed: c.shuffleSeed, alphaFit: 'clauset' });
    const left = await analyzeSpectrum(W, { seed: c.shuffleSeed, vectorSide: 'left', randDistance: false });
    const s = right.singularValues as number[];
    c.singularValues.forEach((v, i) => assertClose(s[i], v, 1e-11, 1e-14, `${c.name}: σ${i} (numpy svd)`));
    const ascendingLambda = s.map((v) => v * v).reverse();
    c.gramEigvalsh.forEach((v, i) => assertClose(ascendingLambda[i], v, 1e-10, 1e-14, `${c.name}: λ${i} (numpy eigvalsh of the Gram matrix)`));
    assert.equal(right.vectors?.length, c.cols);
    assert.equal(left.vectors?.length, c.rows);
    c.rightKsP.forEach((p, i) => assertClose(right.vectors!.p![i], p, 1e-9, 1e-12, `${c.name}: right vector ${i} KS p (scipy kstest)`));
    c.leftKsP.forEach((p, i) => assertClose(left.vectors!.p![i], p, 1e-9, 1e-12, `${c.name}: left vector ${i} KS p (scipy kstest)`));
    const m = c.metrics;
    const mp = right.mp!;
    assertClose(mp.sigma, m.sigma, 1e-12, 0, `${c.name}: entry std`);
    assertClose(right.metrics.logNorm, m.logNorm, 1e-12, 1e-14, `${c.name}: log_norm`);
    assertClose(right.metrics.logSpectralNorm, m.logSpectralNorm, 1e-12, 1e-14, `${c.name}: log_spectral_norm`);
    assertClose(right.metrics.stableRank, m.stableRank, 1e-11, 0, `${c.name}: stable_rank`);
    assert.equal(mp.spikes, m.spikes, `${c.name}: spikes`);
    assertClose(mp.fractionOutside, m.fractionOutside, 0, 1e-15, `${c.name}: fraction outside the bulk`);
    assertClose(mp.ks, m.ksMp, 0, 1e-9, `${c.name}: KS distance to MP (scipy quad CDF)`);
    assertClose(right.metrics.alpha.alpha, m.alpha, 1e-10, 0, `${c.name}: α`);
    assertClose(right.metrics.alpha.xmin, m.xmin, 1e-10, 0, `${c.name}: x_min`);
    assert.equal(right.metrics.alpha.nTail, m.nTail, `${c.name}: tail size`);
    assertClose(right.metrics.alpha.ks, m.alphaKs, 1e-9, 0, `${c.name}: power-law KS`);
    assertClose(right.metrics.alphaWeighted, m.alphaWeighted, 1e-10, 0, `${c.name}: alpha_weighted`);
    assertClose(right.metrics.randDistance, m.randDistance, 1e-9, 1e-12, `${c.name}: rand_distance (same shuffle, numpy svd, scipy JS)`);
  }
});

test('random Gaussian matrices of several shapes: every singular value inside the MP edges widened by 4 Tracy–Widom scales', async () => {
  // The tolerance: λ within [λ₋ − 4·s₋σ², λ₊ + 4·s₊σ²], s± the Tracy–Widom scales of the extreme
  // eigenvalues (Johnstone 2001; Ma 2012), so a Gaussian matrix fails with probability ≈ 1e-4.
  const shapes: [number, number, number][] = [
    [64, 256, 0.02],
    [256, 64, 0.5],
    [150, 150, 1],
    [40, 600, 0.01],
    [300, 200, 0.05],
  ];
  for (const [rows, cols, std] of shapes) {
    const r = await analyzeSpectrum(gaussianMatrix(rows, cols, std, rows * 7 + cols), { vectors: false, randDistance: false });
    const s = r.singularValues as number[];
    const mp = r.mp!;
    assert.equal(s.length, Math.min(rows, cols));
    assert.ok(s[0] <= mp.upperTolerant, `${rows}×${cols}: σmax ${s[0]} > ${mp.upperTolerant}`);
    assert.ok(s[s.length - 1] >= mp.lowerTolerant, `${rows}×${cols}: σmin ${s[s.length - 1]} < ${mp.lowerTolerant}`);
    assert.equal(mp.spikes, 0);
    assert.equal(mp.fractionOutside, 0);
    // The tolerance is a small widening: the extremes also reach the plain edges to within 6%.
    assert.ok(Math.abs(s[0] / mp.upper - 1) < 0.06, `${rows}×${cols}: σmax/ν₊ = ${s[0] / mp.upper}`);
    // The whole distribution follows MP: KS distance well under the 1% critical value 1.63/√m.
    assert.ok(mp.ks < 1.63 / Math.sqrt(s.length), `${rows}×${cols}: KS to MP ${mp.ks}`);
  }
});

test('random Gaussian matrices: singular-vector KS p-values are ≈ uniform (mean ≈ 0.5, ≈ 5% below 0.05) on both sides', async () => {
  const p: number[] = [];
  const pLeft: number[] = [];
  for (const [rows, cols, seed] of [
    [300, 900, 1],
    [360, 720, 2],
  ]) {
    const W = gaussianMatrix(rows, cols, 0.02, seed);
    p.push(...((await analyzeSpectrum(W, { randDistance: false })).vectors!.p as number[]));
    if (seed === 1) pLeft.push(...((await analyzeSpectrum(W, { randDistance: false, vectorSide: 'left' })).vectors!.p as number[]));
  }
  assert.equal(p.length, 660);
  const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  const below = (x: number[]) => x.filter((v) => v < 0.05).length / x.length;
  // Unit singular vectors have exactly the scale of N(0, 1/n) (their norm is 1, not ≈ 1), which
  // makes D slightly smaller than for i.i.d. draws: the mean p sits a little above 0.5 (≈ 0.54).
  assert.ok(Math.abs(mean(p) - 0.5) < 0.08, `mean p ${mean(p)}`);
  assert.ok(below(p) > 0.02 && below(p) < 0.09, `fraction below 0.05: ${below(p)}`);
  assert.ok(Math.abs(mean(pLeft) - 0.5) < 0.1, `left: mean p ${mean(pLeft)}`);
  // Calibration of the p-values themselves: i.i.d. N(0, 1/n) draws (no unit-norm constraint) give
  // exactly uniform p, so the decile histogram is flat (χ² test at 0.1%, 9 degrees of freedom: 27.9).
  const g = normalSource(5);
  const iid: number[] = [];
  for (let i = 0; i < 660; i++) {
    const x = Float64Array.from({ length: 900 }, () => g() / 30);
    iid.push(kstest(x, (t) => normalCdf(t, 1 / 900)).pValue);
  }
  const counts = new Array(10).fill(0);
  for (const v of iid) counts[Math.min(9, Math.floor(v * 10))]++;
  const chi2 = counts.reduce((a, c) => a + (c - iid.length / 10) ** 2 / (iid.length / 10), 0);
  assert.ok(chi2 < 27.9, `χ² of p deciles ${chi2.toFixed(1)}: ${counts}`);
  assert.ok(Math.abs(mean(iid) - 0.5) < 0.04, `i.i.d. mean p ${mean(iid)}`);
});

test('a planted rank-1 spike is detected above the MP edge and its singular vector gets p ≈ 0', async () => {
  const base = gaussianMatrix(300, 900, 0.02, 11);
  // BBP threshold θ_c = σ·(mn)^¼ ≈ 0.46 here; plant 3θ_c along a direction localised on 60 of 900 inputs.
  const { matrix, v } = withLocalisedSpike(base, 1.4, 60, 12);
  const r = await analyzeSpectrum(matrix, { randDistance: true });
  const clean = await analyzeSpectrum(base, { randDistance: true });
  assert.equal(r.mp!.spikes, 1);
  assert.equal(clean.mp!.spikes, 0);
  const p = r.vectors!.p as number[];
  assert.ok(p[0] < 1e-12, `top vector p ${p[0]}`);
  assert.ok(p.slice(1).filter((x) => x < 1e-6).length === 0, 'no other vector looks structured');
  assert.ok(r.metrics.stableRank < clean.metrics.stableRank);
  assert.ok(r.metrics.randDistance > 3 * clean.metrics.randDistance, `rand_distance ${r.metrics.randDistance} vs ${clean.metrics.randDistance}`);
  assert.equal(v.length, 900);
});

test('a planted power-law spectrum U·diag(s)·Vᵀ (λ = s² Pareto, α = 2.5 and 4) recovers α within 3 standard errors', async () => {
  for (const [alpha, seed] of [
    [2.5, 21],
    [4, 22],
  ]) {
    const lambda = paretoSample(320, alpha, 1e-3, seed).sort((a, b) => b - a);
    const W = plantedSpectrum(320, 480, lambda.map(Math.sqrt), seed + 100);
    const r = await analyzeSpectrum(W, { vectors: false });
    (r.singularValues as number[]).slice(0, 5).forEach((s, i) => assertClose(s * s, lambda[i], 1e-5, 0, `planted λ${i}`));
    const fit = r.metrics.alpha;
    assert.ok(fit.reliable, fit.reason);
    assert.ok(Math.abs(fit.alpha - alpha) < 3 * fit.sigma, `α = ${fit.alpha} ± ${fit.sigma}, planted ${alpha}`);
    assertClose(r.metrics.alphaWeighted, fit.alpha * Math.log10(lambda[0]), 1e-5, 0, 'alpha_weighted');
  }
});

test('rand_distance is 0 for identical spectra and grows with the difference; degenerate matrices get a note', async () => {
  const s = Float64Array.from([3, 2, 1]);
  assert.equal(spectrumDistance(s, s), 0);
  assert.ok(spectrumDistance(s, Float64Array.from([3, 2, 0.5])) < spectrumDistance(s, Float64Array.from([1, 1, 1])));
  const constant = await analyzeSpectrum({ rows: 4, cols: 6, data: new Float32Array(24).fill(0.5) });
  assert.equal(constant.mp, null);
  assert.equal(constant.vectors, null);
  assert.match(constant.note ?? '', /every entry of this matrix is equal/);
  await assert.rejects(analyzeSpectrum({ rows: 0, cols: 3, data: new Float32Array(0) }), /empty/);
  await assert.rejects(analyzeSpectrum(gaussianMatrix(3, 4, 1, 1), { vectorSide: 'middle' as 'left' }), /'right' or 'left'/);
});
