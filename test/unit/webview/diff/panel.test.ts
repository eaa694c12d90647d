// The checkpoint-diff panel's data shaping (webview/diff/metrics.ts): what each heatmap cell of A,
// B and Δ shows for real matrix diffs, the colour range A and B share, and missing values.
import test from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { diffMatrices, type MatrixDiff } from '../../../../src/analysis/methods/diff/matrix';
import {
  cellKind,
  DELTA_METRICS,
  deltaCells,
  deltaMetric,
  SIDE_METRICS,
  sideCells,
  sideMetric,
  sharedDomain,
  signedDomain,
} from '../../../../webview/diff/metrics';
import { kindColumns } from '../../../../webview/diff/plots';
import { parseExpertChoice } from '../../../../webview/common/expertField';
import { randomMatrix } from '../../analysis/engine/random';
import { lowRank } from '../../analysis/methods/diff/helpers';

async function entries(): Promise<MatrixDiff[]> {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const A = randomMatrix(16, 24, 1);
  const upd = lowRank(16, 24, [2, 1], 5);
  const B = { ...A, data: A.data.map((x, i) => 1.5 * x + upd[i]) };
  const options = { docs: true, spectra: true, keepSingular: 8, bins: 11 };
  return [
    await diffMatrices(A, B, { layer: 0, kind: 'q', dtypeA: 'F32', dtypeB: 'F32' }, options, { engine }),
    await diffMatrices(A, A, { layer: 1, kind: 'q', dtypeA: 'F32', dtypeB: 'F32' }, options, { engine }),
    await diffMatrices(A, B, { layer: 0, kind: 'up', dtypeA: 'F32', dtypeB: 'BF16' }, { ...options, spectra: false }, { engine }),
  ];
}

test('delta cells carry the metric of each matrix; unavailable values are null, not numbers', async () => {
  const list = await entries();
  const rel = deltaCells(list, deltaMetric('relChange'));
  assert.deepEqual(
    rel.map((c) => [c.layer, c.kind]),
    [
      [0, 'q'],
      [1, 'q'],
      [0, 'up'],
    ],
  );
  assert.equal(rel[0].value, list[0].relChange);
  assert.equal(rel[1].value, 0);
  assert.equal(deltaCells(list, deltaMetric('oneMinusCosine'))[1].value, 1 - list[1].cosine);
  assert.equal(deltaCells(list, deltaMetric('sigma1'))[1].value, 0);
  assert.equal(deltaCells(list, deltaMetric('effectiveRank'))[0].value, list[0].delta.effectiveRank);
  // Spectra switched off for 'up': its spectral change is missing, not 0.
  assert.equal(deltaCells(list, deltaMetric('stableRankChange'))[2].value, null);
  // A 16×24 matrix has too few eigenvalues for a reliable power-law fit: Δα is missing.
  assert.ok(deltaCells(list, deltaMetric('alphaChange')).every((c) => c.value === null));
  for (const m of DELTA_METRICS) assert.equal(deltaMetric(m.id), m);
  assert.equal(deltaMetric('nonsense').id, 'relChange');
});

test('A and B cells share one colour range; signed metrics get a range symmetric about 0', async () => {
  const list = await entries();
  const norm = sideMetric('norm');
  const a = sideCells(list, norm, 'a');
  const b = sideCells(list, norm, 'b');
  assert.deepEqual(
    a.map((c) => c.value),
    list.map((e) => e.normA),
  );
  assert.deepEqual(
    b.map((c) => c.value),
    list.map((e) => e.normB),
  );
  const all = [...a, ...b].map((c) => c.value as number);
  assert.deepEqual(sharedDomain(a, b), [Math.min(...all), Math.max(...all)]);
  assert.equal(sideCells(list, sideMetric('stableRank'), 'b')[2].value, null);
  assert.equal(sideCells(list, sideMetric('logSpectralNorm'), 'a')[0].value, list[0].a!.logSpectralNorm);
  assert.equal(sharedDomain([{ layer: 0, kind: 'q', value: null }]), undefined);
  const flat = sharedDomain([{ layer: 0, kind: 'q', value: 2 }]);
  assert.ok(flat && flat[0] < 2 && flat[1] > 2);
  assert.deepEqual(
    signedDomain([
      { layer: 0, kind: 'q', value: -3 },
      { layer: 1, kind: 'q', value: 1 },
    ]),
    [-3, 3],
  );
  assert.deepEqual(signedDomain([]), [-1, 1]);
  for (const m of SIDE_METRICS) assert.equal(sideMetric(m.id), m);
});

test("experts' matrices get their own columns, named as the CSV names them, after their kind and in expert order", async () => {
  const [q, , up] = await entries();
  const list = [q, { ...up, expert: 2 }, { ...up, expert: 'shared' as const }, { ...up, expert: 10 }];
  const cells = deltaCells(list, deltaMetric('relChange'));
  assert.deepEqual(
    cells.map((c) => c.kind),
    ['q', 'up e2', 'up shared', 'up e10'],
  );
  assert.deepEqual(kindColumns(['down', 'up e10', 'up e2', 'q', 'up shared', 'up', 'gate e0']), ['q', 'gate e0', 'up', 'up shared', 'up e2', 'up e10', 'down']);
  assert.equal(cellKind({ kind: 'down', expert: 0 }), 'down e0');
});

test("the expert field: empty, 'shared', an index, and 'all' only where the analysis takes it", () => {
  assert.equal(parseExpertChoice('  ', true), undefined);
  assert.equal(parseExpertChoice('Shared', false), 'shared');
  assert.equal(parseExpertChoice('12', false), 12);
  assert.equal(parseExpertChoice('all', true), 'all');
  assert.throws(() => parseExpertChoice('all', false), /not an expert/);
  assert.throws(() => parseExpertChoice('-1', true), /not an expert/);
});
