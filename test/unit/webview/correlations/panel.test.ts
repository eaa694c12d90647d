// The correlations panel's data shaping (webview/correlations/viewModel.ts): which cells each
// heatmap gets, why a missing value is missing, the shared M1–M3 colour domain, the M6 points and
// the end points of the regression line.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { LayerCorrelations } from '../../../../src/analysis/methods/correlations/correlations';
import { axes, headCells, mlpCells, regressionSegment, scatterPoints, symmetricDomain } from '../../../../webview/correlations/viewModel';

const head = (h: number, kvHead: number, M1: number, M5: number) => ({ head: h, kvHead, M1, M2: -2 * M1, M3: 0.1, M4: 0.2, M5 });
const entries: LayerCorrelations[] = [
  {
    layer: 0,
    heads: [head(0, 0, 0.3, -0.1), head(1, 0, 0.1, 0.05)],
    m7: { gate_up: NaN, gate_downT: NaN, up_downT: 0.2, pinvUp_down: -0.4 },
    m8: { down_gate: NaN, down_up: 0.5, down_pinvUpT: 0.1 },
    shapes: {},
    notes: [],
  },
  // Values that crossed into the webview as JSON: NaN became null.
  {
    layer: 1,
    heads: [head(0, 0, 0.2, null as unknown as number), head(1, 0, -0.2, 0.3)],
    m7: { gate_up: null as unknown as number, gate_downT: NaN, up_downT: 0.1, pinvUp_down: 0.3 },
    m8: { down_gate: NaN, down_up: 0.2, down_pinvUpT: 0 },
    shapes: {},
    notes: [],
  },
];
const notApplicable = [{ measure: 'gate_up', reason: 'GPT2LMHeadModel has no gate matrix (its MLP is not gated)' }];

test('head heatmap cells: one per layer and head, labelled, with kv heads; null values carry a reason', () => {
  const cells = headCells(entries, 'M5', { notApplicable });
  assert.equal(cells.length, 4);
  assert.deepEqual(
    cells.map((c) => [c.x, c.y, c.value]),
    [
      ['h0', 'L0', -0.1],
      ['h1', 'L0', 0.05],
      ['h0', 'L1', null],
      ['h1', 'L1', 0.3],
    ],
  );
  assert.equal(cells[2].reason, 'undefined (a constant matrix)');
  assert.deepEqual(axes(entries), { layers: ['L0', 'L1'], heads: ['h0', 'h1'] });
});

test('M7/M8 cells: one column per measure; a not-applicable gate measure says why', () => {
  const m7 = mlpCells(entries, 'm7', { notApplicable });
  assert.equal(m7.length, 8);
  assert.deepEqual(
    m7.slice(0, 4).map((c) => c.x),
    ['cc(Wg, Wu)', 'cc(Wg, Wdᵀ)', 'cc(Wu, Wdᵀ)', 'cc(pinv(Wu), Wd)'],
  );
  assert.equal(m7[0].value, null);
  assert.match(m7[0].reason!, /^not applicable: GPT2LMHeadModel has no gate matrix/);
  assert.equal(m7[4].value, null);
  assert.equal(mlpCells(entries, 'm8').length, 6);
});

test('M1–M3 share one symmetric colour domain: ±(largest |value| of the three)', () => {
  const d = symmetricDomain(headCells(entries, 'M1'), headCells(entries, 'M2'), headCells(entries, 'M3'));
  assert.deepEqual(d, [-0.6, 0.6]); // M2 = −2·M1 reaches 0.6
  assert.deepEqual(symmetricDomain([]), [-1, 1]);
});

test('M6 scatter: finite (M1, M5) pairs only; the line spans the M1 range', () => {
  const pts = scatterPoints(entries);
  assert.equal(pts.length, 3);
  const seg = regressionSegment({ slope: -1, intercept: 0.1, r: -0.5, n: 3 }, pts);
  assert.deepEqual(
    seg.map((p) => p.M1),
    [-0.2, 0.3],
  );
  assert.ok(Math.abs(seg[0].M5 - 0.3) < 1e-12 && Math.abs(seg[1].M5 + 0.2) < 1e-12);
  assert.deepEqual(regressionSegment(null, pts), []);
});
