// Quantiles of w and |w|: the sorted path and the bf16-bin histogram against numpy's
// np.quantile(method='linear') (test/oracles/tensor_quantiles.py), and the histogram's stated
// error bound on a large generated tensor whose true quantiles come from a full sort here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bf16BinHistogram, linearQuantile, QUANTILE_PROBS } from '../../../../src/analysis/stats/quantiles';
import { normalSource, uniformSource } from '../../../../src/analysis/stats/random';
import { oracleValues, quantileOracle as oracle, quantilesBySort } from './quantilesOracle';

const near = (got: number[], want: number[], what: string, rel = 1e-12) => {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) =>
    assert.ok(Math.abs(g - want[i]!) <= rel * Math.max(1e-30, Math.abs(want[i]!)), `${what}[${i}] (p = ${QUANTILE_PROBS[i]}): ${g} vs ${want[i]}`),
  );
};

test('the probabilities are the oracle’s', () => {
  assert.deepEqual([...QUANTILE_PROBS], oracle.probs);
});

test('with the finite values kept, the bins give numpy’s linear quantiles exactly (heavy tails, NaN/Inf left out; many ties and zeros)', () => {
  for (const key of ['f32_heavy', 'f32_ties'] as const) {
    const c = oracle[key];
    const v = oracleValues(c);
    const h = new Bf16BinHistogram();
    h.add(v);
    const q = h.quantiles(
      QUANTILE_PROBS,
      v.filter((x) => Number.isFinite(x)),
    );
    assert.equal(q.method, 'exact');
    assert.equal(q.rankError, 0);
    near(q.values, c.quantiles, `${key} values`);
    near(q.abs, c.abs_quantiles, `${key} |w|`);
  }
});

test('the reference the tests use for large data (sort, numpy’s rule) agrees with numpy', () => {
  const q = quantilesBySort(oracleValues(oracle.f32_heavy), QUANTILE_PROBS);
  near(q.values, oracle.f32_heavy.quantiles, 'values');
  near(q.abs, oracle.f32_heavy.abs_quantiles, '|w|');
});

test('bf16-bin histogram is exact when every value is a bfloat16 number, and says so', () => {
  const c = oracle.bf16;
  const h = new Bf16BinHistogram();
  const v = oracleValues(c);
  h.add(v.subarray(0, 1000));
  const rest = new Bf16BinHistogram();
  rest.add(v.subarray(1000));
  h.merge(rest);
  assert.equal(h.exact, true);
  const q = h.quantiles();
  assert.equal(q.rankError, 0);
  assert.equal(q.count, v.length);
  near(q.values, c.quantiles, 'bf16 values');
  near(q.abs, c.abs_quantiles, 'bf16 |w|');
});

test('bf16-bin histogram of non-bf16 values: NaN/Inf left out, each quantile within one bf16 step of numpy’s', () => {
  const c = oracle.f32_heavy;
  const h = new Bf16BinHistogram();
  h.add(oracleValues(c));
  assert.equal(h.exact, false);
  const q = h.quantiles();
  assert.equal(q.count, c.values.length - c.nan_at.length - c.inf_at.length);
  q.values.forEach((g, i) =>
    assert.ok(Math.abs(g - c.quantiles[i]!) <= 2 ** -7 * Math.abs(c.quantiles[i]!), `p ${QUANTILE_PROBS[i]}: ${g} vs ${c.quantiles[i]}`),
  );
  q.abs.forEach((g, i) => assert.ok(Math.abs(g - c.abs_quantiles[i]!) <= 2 ** -7 * Math.abs(c.abs_quantiles[i]!), `|w| p ${QUANTILE_PROBS[i]}`));
});

test('bf16-bin histogram on 2M generated float32 values: within its stated value and rank error of a full sort', () => {
  const rand = uniformSource(7);
  const normal = normalSource(8);
  const n = 2_000_000;
  const v = new Float32Array(n);
  // Normal bulk with a few large outliers, the shape of a weight matrix.
  for (let i = 0; i < n; i++) v[i] = (rand() < 1e-4 ? 40 : 1) * 0.02 * normal();
  const h = new Bf16BinHistogram();
  for (let i = 0; i < n; i += 65536) h.add(v.subarray(i, Math.min(n, i + 65536)));
  const q = h.quantiles();
  assert.equal(q.method, 'bf16-bins');
  assert.ok(q.rankError > 0 && q.rankError < 0.01, `rank error ${q.rankError}`);
  const sorted = v.slice().sort();
  const abs = Float32Array.from(v, Math.abs).sort();
  // With the values kept, the same bins give the exact quantiles.
  const exact = h.quantiles(QUANTILE_PROBS, v);
  assert.deepEqual(exact, { ...quantilesBySort(v, QUANTILE_PROBS), probs: [...QUANTILE_PROBS], method: 'exact', rankError: 0, count: n });
  QUANTILE_PROBS.forEach((p, i) => {
    const want = linearQuantile((k) => sorted[k]!, n, p);
    assert.ok(Math.abs(q.values[i]! - want) <= 2 ** -7 * Math.abs(want), `p ${p}: ${q.values[i]} vs ${want}`);
    const wantAbs = linearQuantile((k) => abs[k]!, n, p);
    assert.ok(Math.abs(q.abs[i]! - wantAbs) <= 2 ** -7 * Math.abs(wantAbs), `|w| p ${p}: ${q.abs[i]} vs ${wantAbs}`);
    // Rank error: the value returned sits within rankError·n ranks of the target rank.
    const target = (n - 1) * p;
    let lo = 0,
      hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < q.values[i]!) lo = mid + 1;
      else hi = mid;
    }
    assert.ok(Math.abs(lo - target) <= q.rankError * n + 1, `p ${p}: rank ${lo} vs ${target} (bound ${q.rankError * n})`);
  });
});
