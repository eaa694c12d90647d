// The correlations panel's head-mean against depth (webview/correlations/depthViews.ts): the random
// band's formula sd = 1/√(n·H) checked by simulation (Pearson of independent vectors, and cc(QᵀK, I)
// of independent head slices), and on a model of random weights the head-means fall in the band
// about 95% of the time, while the drawn means equal the means of the analysis' own head values.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { runCorrelations } from '../../../../src/analysis/methods/correlations/correlations';
import { HEAD_MEASURES } from '../../../../src/analysis/methods/correlations/names';
import { openModel } from '../../../../src/analysis/model/openModel';
import { bandInputs, headMeanPoints, randomMeanSd, Z95 } from '../../../../webview/correlations/depthViews';
import { writeRandomLlama } from '../../../fixtures/randomModel';
import { gaussian, rng } from '../../analysis/engine/random';

/** Pearson correlation in float64, written out (independent of the project's kernel). */
function pearson64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const sdOf = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);

test('Pearson r of n independent entries has sd 1/√n; the mean of H of them 1/√(n·H)', () => {
  const rand = rng(11);
  const n = 120;
  const trials = 3000;
  const rs: number[] = [];
  for (let t = 0; t < trials; t++) {
    const a = Array.from({ length: n }, () => gaussian(rand));
    const b = Array.from({ length: n }, () => gaussian(rand));
    rs.push(pearson64(a, b));
  }
  // sd of a 3000-sample sd estimate is ≈ 1.3%: 5% is four of those.
  assert.ok(Math.abs(sdOf(rs) * Math.sqrt(n) - 1) < 0.05, `sd·√n = ${sdOf(rs) * Math.sqrt(n)}`);
  const H = 6;
  const means: number[] = [];
  for (let t = 0; t + H <= trials; t += H) means.push(rs.slice(t, t + H).reduce((a, r) => a + r, 0) / H);
  assert.ok(Math.abs(sdOf(means) / randomMeanSd(n, H) - 1) < 0.1, `sd of means / formula = ${sdOf(means) / randomMeanSd(n, H)}`);
});

test('cc(QᵀK, I) of independent head_dim × hidden slices has sd ≈ 1/hidden = 1/√(hidden²)', () => {
  const rand = rng(12);
  const hd = 4,
    d = 32,
    trials = 1500;
  const identity = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
  const rs: number[] = [];
  for (let t = 0; t < trials; t++) {
    const q = Array.from({ length: hd * d }, () => gaussian(rand));
    const k = Array.from({ length: hd * d }, () => gaussian(rand));
    const p = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let r = 0; r < hd; r++) p[i * d + j] += q[r * d + i]! * k[r * d + j]!;
    rs.push(pearson64(p, identity));
  }
  assert.ok(Math.abs(sdOf(rs) / randomMeanSd(d * d, 1) - 1) < 0.1, `sd·hidden = ${sdOf(rs) * d}`);
});

test('on random weights the head-means fall in the 95% band; the drawn means are the analysis values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'll-corr-band-'));
  try {
    writeRandomLlama(dir, { layers: 12, hidden: 64, intermediate: 96, heads: 8, kvHeads: 4, vocab: 32, seed: 7 });
    const model = await openModel(dir);
    const engine = await getEngine({ providers: ['cpu'], threads: 1 });
    const r = await runCorrelations(model, {}, { engine });
    const points = headMeanPoints(r.entries);
    assert.equal(points.length, 12 * HEAD_MEASURES.length);
    for (const p of points) {
      const e = r.entries.find((x) => x.layer === p.layer)!;
      const values = e.heads.map((h) => h[p.measure] as number);
      assert.equal(p.heads, 8);
      assert.ok(Math.abs(p.mean - values.reduce((a, v) => a + v, 0) / values.length) < 1e-15);
      // head_dim 8, hidden 64: n = 512 per head (M4: 64² = 4096); H = 8 query heads, 4 kv heads for M3.
      const want = p.measure === 'M4' ? Z95 / Math.sqrt(4096 * 8) : p.measure === 'M3' ? Z95 / Math.sqrt(512 * 4) : Z95 / Math.sqrt(512 * 8);
      assert.ok(Math.abs(p.band! - want) < 1e-15, `${p.measure} band ${p.band} vs ${want}`);
      assert.deepEqual(bandInputs(p.measure, e), p.measure === 'M4' ? { n: 4096, heads: 8 } : p.measure === 'M3' ? { n: 512, heads: 4 } : { n: 512, heads: 8 });
    }
    // 60 points, 5% expected outside: P(more than 9 outside) < 1e-3 for independent layers.
    const outside = points.filter((p) => Math.abs(p.mean) > p.band!);
    assert.ok(outside.length <= 9, `${outside.length} of ${points.length} outside: ${outside.map((p) => `${p.measure} L${p.layer} ${p.mean}`).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a layer without its q shape gets no band, and heads without finite values no point', () => {
  const e = { layer: 0, heads: [{ head: 0, kvHead: 0, M1: 0.2, M2: null, M3: 0.1, M4: 0, M5: 0 }], m7: {}, m8: {}, shapes: {}, notes: [] };
  const pts = headMeanPoints([e as never]);
  assert.equal(pts.find((p) => p.measure === 'M1')!.band, null);
  assert.equal(
    pts.find((p) => p.measure === 'M2'),
    undefined,
  );
});
