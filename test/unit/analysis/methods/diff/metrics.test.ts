// Checkpoint-diff metrics of one matrix pair against closed forms (planted singular values, rank
// measures, histograms) and against numpy/scipy (test/oracles/diff.py → diff.json): norms, relative
// change, cosine, the delta's singular values and ranks, each side's spectral metrics, and DOCS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { diffMatrices } from '../../../../../src/analysis/methods/diff/matrix';
import { compareFlat, effectiveRankOf, positiveHistogram, stableRankOf, symmetricHistogram } from '../../../../../src/analysis/methods/diff/metrics';
import { assertClose } from '../../stats/oracle';
import { randomMatrix } from '../../engine/random';
import { lowRank } from './helpers';
import { REPO_ROOT } from '../../../../paths';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readRoleMatrix } from '../../../../../src/analysis/model/readRole';
import { singularValues } from '../../../../../src/analysis/linalg/svd';
import { fitPowerLaw } from '../../../../../src/analysis/stats/powerLaw';

interface OracleCase {
  name: string;
  rows: number;
  cols: number;
  a: number[];
  b: number[];
  normA: number;
  normB: number;
  normDelta: number;
  relChange: number;
  cosine: number;
  maxAbsDelta: number;
  deltaSingularValues: number[];
  deltaStableRank: number;
  deltaEffectiveRank: number;
  sideA: { logNorm: number; logSpectralNorm: number; stableRank: number };
  sideB: { logNorm: number; logSpectralNorm: number; stableRank: number };
  docsRows: number;
}
const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/diff.json'), 'utf8')) as { cases: OracleCase[] };
const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });
const ALL = { docs: true, spectra: true, keepSingular: 1000, bins: 21 };

test('stable and effective rank: closed forms for planted singular values, 0 for a zero matrix', () => {
  // σ = 4,3,2,1: stable rank 30/16; p = (.4,.3,.2,.1) → exp(−Σ p ln p).
  const s = [4, 3, 2, 1, 0, 0];
  assert.equal(stableRankOf(s), 30 / 16);
  const p = [0.4, 0.3, 0.2, 0.1];
  assertClose(effectiveRankOf(s), Math.exp(-p.reduce((a, x) => a + x * Math.log(x), 0)), 1e-14, 0, 'effective rank of 4,3,2,1');
  for (const k of [1, 4, 17]) {
    const equal = [...new Array(k).fill(2.5), 0, 0, 0];
    assertClose(stableRankOf(equal), k, 1e-14, 0, `stable rank of ${k} equal values`);
    assertClose(effectiveRankOf(equal), k, 1e-13, 0, `effective rank of ${k} equal values`);
  }
  assert.equal(stableRankOf([0, 0, 0]), 0);
  assert.equal(effectiveRankOf([0, 0, 0]), 0);
});

test('a planted rank-4 delta reads rank ≈ 4; a full-rank Gaussian delta of the same size does not', async () => {
  const engine = await cpu();
  const rows = 48,
    cols = 80;
  const A = randomMatrix(rows, cols, 11);
  for (let i = 0; i < A.data.length; i++) A.data[i] /= Math.sqrt(cols);
  const upd = lowRank(rows, cols, [0.5, 0.5, 0.5, 0.5], 7);
  const B4 = { rows, cols, data: A.data.map((x, i) => x + upd[i]) };
  const noise = randomMatrix(rows, cols, 12);
  const Bfull = { rows, cols, data: A.data.map((x, i) => x + 0.05 * noise.data[i]) };
  const info = { layer: 3, kind: 'q' as const, dtypeA: 'F32', dtypeB: 'F32' };
  const r4 = await diffMatrices(A, B4, info, ALL, { engine });
  const rf = await diffMatrices(A, Bfull, info, ALL, { engine });
  // Planted σ are exact up to the float32 rounding of B (≈ 1e-7 relative).
  for (let i = 0; i < 4; i++) assertClose(r4.delta.singularValues[i], 0.5, 1e-5, 0, `σ${i + 1} of the rank-4 delta`);
  assert.ok(r4.delta.singularValues[4] < 1e-5, `σ5 of the rank-4 delta is ${r4.delta.singularValues[4]}`);
  assertClose(r4.delta.effectiveRank, 4, 5e-3, 0, 'effective rank of the rank-4 delta');
  assertClose(r4.delta.stableRank, 4, 1e-4, 0, 'stable rank of the rank-4 delta');
  assertClose(r4.relChange, 1 / Math.hypot(...A.data), 1e-5, 0, '‖Δ‖/‖A‖ = √(4·0.25)/‖A‖');
  // A Gaussian 48×80 delta: singular values spread over the MP bulk, effective rank ≈ 0.9·48.
  assert.ok(rf.delta.effectiveRank > 0.75 * rows, `effective rank of a full-rank delta: ${rf.delta.effectiveRank}`);
  assert.ok(rf.delta.stableRank > 10, `stable rank of a full-rank delta: ${rf.delta.stableRank}`);
});

for (const c of oracle.cases) {
  test(`matrix diff equals numpy/scipy: ${c.name}`, async () => {
    const A = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.a) };
    const B = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.b) };
    const r = await diffMatrices(A, B, { layer: 0, kind: 'q', dtypeA: 'F32', dtypeB: 'F32' }, ALL, { engine: await cpu() });
    assertClose(r.normA, c.normA, 1e-12, 0, 'normA');
    assertClose(r.normB, c.normB, 1e-12, 0, 'normB');
    assertClose(r.normDelta, c.normDelta, 1e-12, 0, 'normDelta');
    assertClose(r.relChange, c.relChange, 1e-12, 0, 'relChange');
    assertClose(r.cosine, c.cosine, 1e-12, 0, 'cosine');
    assertClose(r.maxAbsDelta, c.maxAbsDelta, 0, 0, 'maxAbsDelta');
    assert.equal(r.delta.singularValues.length, Math.min(c.rows, c.cols));
    c.deltaSingularValues.forEach((s, i) => assertClose(r.delta.singularValues[i], s, 1e-9, 1e-12 * c.deltaSingularValues[0], `σ${i + 1} of Δ`));
    assertClose(r.delta.stableRank, c.deltaStableRank, 1e-9, 0, 'stable rank of Δ');
    assertClose(r.delta.effectiveRank, c.deltaEffectiveRank, 1e-9, 0, 'effective rank of Δ');
    for (const [side, want] of [
      [r.a, c.sideA],
      [r.b, c.sideB],
    ] as const) {
      assertClose(side!.logNorm, want.logNorm, 1e-10, 0, 'log_norm');
      assertClose(side!.logSpectralNorm, want.logSpectralNorm, 1e-10, 0, 'log_spectral_norm');
      assertClose(side!.stableRank, want.stableRank, 1e-9, 0, 'stable rank');
    }
    assertClose(r.change!.stableRank, c.sideB.stableRank - c.sideA.stableRank, 1e-8, 1e-9, 'change of stable rank');
    assertClose(r.change!.logSpectralNorm, c.sideB.logSpectralNorm - c.sideA.logSpectralNorm, 1e-8, 1e-9, 'change of log_spectral_norm');
    // DOCS runs on float32 cosines in ORT; scipy fits float64 ones.
    assertClose(r.docs!, c.docsRows, 2e-5, 0, 'DOCS(A, B) over rows');
    const total = r.delta.histogram.reduce((a, b) => a + b.count, 0);
    assert.equal(total, c.rows * c.cols);
  });
}

test('flat comparison: closed forms for scaling, sign flip, zero matrices and a dtype-sized error', () => {
  const a = Float32Array.from([3, -4, 0, 12]);
  const scaled = compareFlat(
    a,
    a.map((x) => 2 * x),
  );
  assert.equal(scaled.normA, 13);
  assert.equal(scaled.relChange, 1);
  assert.equal(scaled.cosine, 1);
  assert.equal(
    compareFlat(
      a,
      a.map((x) => -x),
    ).cosine,
    -1,
  );
  assert.equal(compareFlat(a, a).relChange, 0);
  const zero = compareFlat(new Float32Array(3), new Float32Array(3));
  assert.deepEqual([zero.relChange, zero.cosine], [0, 1]);
  assert.equal(compareFlat(new Float32Array(2), Float32Array.from([0, 1])).relChange, Infinity);
  // Every non-zero entry moved by exactly 1/256 of itself: the worst BF16 rounding.
  const r = compareFlat(
    a,
    a.map((x) => x * (1 + 2 ** -8)),
  );
  assertClose(r.maxEntryRelChange, 2 ** -8, 1e-6, 0, 'max entry relative change');
  assertClose(r.relChange, 2 ** -8, 1e-6, 0, 'relative change');
  assert.throws(() => compareFlat(a, new Float32Array(3)), /cannot compare 4 values with 3/);
});

test('histograms: symmetric delta bins cover [−max, max] and count everything; zero input is one bin', () => {
  const x = Float32Array.from([-1, -0.5, 0, 0.25, 1]);
  const h = symmetricHistogram(x, 4);
  assert.deepEqual(
    h.map((b) => [b.x0, b.x1, b.count]),
    [
      [-1, -0.5, 1],
      [-0.5, 0, 1],
      [0, 0.5, 2],
      [0.5, 1, 1],
    ],
  );
  assert.deepEqual(symmetricHistogram(new Float32Array(5), 4), [{ x0: 0, x1: 0, count: 5 }]);
  const p = positiveHistogram([0, 1, 2, 3, 4, Infinity], 2);
  assert.deepEqual(
    p.map((b) => b.count),
    [2, 3],
  );
});

test("each side's α is WeightWatcher's fit, as the spectra analysis reports it (not the Clauset fit, which differs on these matrices)", async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(join(REPO_ROOT, 'test/fixtures/models/stories260K'));
  let differing = 0;
  for (const layer of [0, 2, 4]) {
    for (const kind of ['q', 'up', 'down'] as const) {
      const W = await readRoleMatrix(model, layer, kind);
      const lambda = Array.from(await singularValues(W, { engine }), (s) => s * s);
      const ww = fitPowerLaw(lambda, { method: 'ww' }).alpha;
      const clauset = fitPowerLaw(lambda, { method: 'clauset' }).alpha;
      if (Math.abs(ww - clauset) > 1e-6) differing++;
      const d = await diffMatrices(W, W, { layer, kind, dtypeA: 'F32', dtypeB: 'F32' }, { docs: false, spectra: true, keepSingular: 4, bins: 5 }, { engine });
      assert.equal(d.a?.alpha, ww, `layer ${layer} ${kind}`);
    }
  }
  assert.ok(differing > 0, 'the two fits differ on at least one matrix, so the check above can fail');
});
