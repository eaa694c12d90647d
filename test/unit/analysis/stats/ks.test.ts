import test from 'node:test';
import assert from 'node:assert/strict';
import { kolmogorovN, kolmogorovDurbinCdf, kolmogorovPomeranzCdf, kolmogorovPelzGood } from '../../../../src/analysis/stats/kolmogorovN';
import { smirnovSf } from '../../../../src/analysis/stats/smirnov';
import { kstest, ksStatistic, ksFromSortedCdf, kolmogorovLimitSf } from '../../../../src/analysis/stats/ks';
import { normalCdf } from '../../../../src/analysis/stats/erf';
import { oracle, assertClose } from './oracle';

test('two-sided KS distribution (sf and cdf) matches scipy.stats.kstwo in every branch of the method choice', () => {
  const branches = new Set<string>();
  for (const [n, d, sf, cdf] of oracle.kstwo) {
    const t = n * d;
    const nx2 = t * d;
    branches.add(
      t <= 1
        ? 'ruben-gambino low'
        : t >= n - 1
          ? 'ruben-gambino high'
          : d >= 0.5
            ? 'smirnov x≥½'
            : n <= 140
              ? nx2 <= 0.754693
                ? 'durbin'
                : nx2 <= 4
                  ? 'pomeranz'
                  : 'smirnov small n'
              : nx2 >= 2.2
                ? 'smirnov large n'
                : n <= 100000 && n * d ** 1.5 <= 1.4
                  ? 'durbin large n'
                  : 'pelz-good',
    );
    assertClose(kolmogorovN(n, d, false), sf, 1e-12, 1e-300, `kstwo.sf(${d}, ${n})`);
    assertClose(kolmogorovN(n, d, true), cdf, 1e-12, 2e-16, `kstwo.cdf(${d}, ${n})`);
  }
  assert.equal(branches.size, 9, [...branches].join(', '));
});

test('the exact algorithms agree with each other where their ranges overlap', () => {
  // Durbin/MTW is exact for every n·d; Pomeranz is exact too: they must agree, and Pelz–Good (an
  // asymptotic series) must be close for large n.
  for (const [n, d] of [
    [20, 0.1],
    [50, 0.12],
    [100, 0.09],
    [140, 0.15],
  ]) {
    assertClose(kolmogorovPomeranzCdf(n, d), kolmogorovDurbinCdf(n, d), 1e-11, 1e-15, `Pomeranz vs Durbin n=${n} d=${d}`);
  }
  assertClose(kolmogorovPelzGood(5000, 0.01, true), kolmogorovDurbinCdf(5000, 0.01), 1e-6, 0, 'Pelz–Good vs Durbin n=5000');
});

test('one-sided smirnov and the limiting kolmogorov law match scipy.special', () => {
  for (const [n, d, sf] of oracle.smirnov) assertClose(smirnovSf(n, d), sf, 1e-12, 1e-300, `smirnov(${n}, ${d})`);
  for (const [x, sf] of oracle.kolmogorov) assertClose(kolmogorovLimitSf(x), sf, 1e-13, 1e-300, `kolmogorov(${x})`);
  assert.throws(() => smirnovSf(0, 0.1), /positive integer/);
  assert.throws(() => kolmogorovN(2.5, 0.1), /positive integer/);
});

test('kstest: statistic and p-values (exact = scipy default, and asymp) of fixed samples against N(0, 1/n)', () => {
  for (const c of oracle.kstest) {
    const cdf = (x: number) => normalCdf(x, c.variance);
    const exact = kstest(c.sample, cdf);
    const asymp = kstest(c.sample, cdf, 'asymp');
    const what = `sample of ${c.sample.length}`;
    assertClose(exact.statistic, c.statistic, 1e-13, 1e-15, `${what}: D`);
    assertClose(exact.pValue, c.pValue, 1e-11, 1e-300, `${what}: exact p`);
    assertClose(asymp.pValue, c.pValueAsymp, 1e-12, 1e-300, `${what}: asymptotic p`);
  }
});

test('KS statistic by hand: D⁺ and D⁻ of a three-point sample against U(0, 1)', () => {
  // Sorted CDF values 0.1, 0.5, 0.6: D⁺ = max(1/3−0.1, 2/3−0.5, 1−0.6) = 0.4; D⁻ = max(0.1, 0.5−1/3, 0.6−2/3) = 1/6.
  const s = ksFromSortedCdf([0.1, 0.5, 0.6]);
  assertClose(s.dPlus, 0.4, 1e-15, 0, 'D⁺');
  assertClose(s.dMinus, 1 / 6, 1e-15, 0, 'D⁻');
  assert.equal(s.d, s.dPlus);
  assert.equal(ksStatistic([0.6, 0.1, 0.5], (x) => x).d, s.d, 'the sample is sorted first');
  assert.throws(() => ksStatistic([0.1, NaN], (x) => x), /NaN at index 1/);
  assert.throws(() => ksFromSortedCdf([]), /empty/);
});
