// The similarity panel's view model (webview/similarity/viewModel.ts): what the heatmap, the
// adjacent plot and the click-detail draw, from streamed partials and from a finished result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerSimilarityResult, PairResult, SimilarityPlan } from '../../../../src/analysis/methods/similarity/layerSimilarity';
import type { SimilarityPartial } from '../../../../src/analysis/methods/similarity/job';
import { fitGumbel, gumbelDensity } from '../../../../src/analysis/stats/gumbel';
import { sidePlotData } from '../../../../webview/similarity/detail';
import { adjacentSeries, clustersOf, colourDomain, heatCells, valueAt, viewFromPartials, viewFromResult } from '../../../../webview/similarity/viewModel';

const plan: SimilarityPlan = {
  kind: 'up',
  orientation: 'neuron',
  compared: 'rows',
  pairMode: 'all',
  layers: [0, 1, 2, 3],
  shapes: [
    [8, 12],
    [8, 12],
    [8, 12],
    [8, 10],
  ],
  indices: ['docs', 'pearson'],
  pairs: 6,
  docsChance: 0.2,
};

function pair(a: number, b: number, docs: number | null, comparable = true): PairResult {
  return {
    a,
    b,
    layerA: a,
    layerB: b,
    comparable,
    values: comparable ? { docs, pearson: -docs! } : {},
    complete: true,
    reason: comparable ? undefined : 'shapes differ',
  };
}

test('partials: nothing before the plan; cells fill in as pairs arrive, the diagonal is 1, the grid is symmetric', () => {
  assert.equal(viewFromPartials([{ type: 'pair', pair: pair(0, 1, 0.9) }]), undefined);
  const partials: SimilarityPartial[] = [
    { type: 'plan', plan },
    { type: 'pair', pair: pair(0, 1, 0.9) },
    { type: 'pair', pair: pair(2, 3, null, false) },
  ];
  const view = viewFromPartials(partials)!;
  const cells = heatCells(view, 'docs');
  assert.equal(cells.length, 16);
  const at = (a: number, b: number) => cells.find((c) => c.a === a && c.b === b)!;
  assert.deepEqual([at(0, 1).state, at(0, 1).value, at(1, 0).value], ['value', 0.9, 0.9]);
  assert.deepEqual([at(2, 2).state, at(2, 2).value], ['diagonal', 1]);
  assert.equal(at(0, 2).state, 'pending');
  assert.equal(at(3, 2).state, 'not-comparable');
  assert.equal(valueAt(view, 'pearson', 1, 0), -0.9);
  assert.deepEqual(adjacentSeries(view, 'docs'), [{ position: 0, label: 'L0–L1', value: 0.9 }]);
  // A later message for the same pair (its heavy indices) replaces the earlier one.
  partials.push({ type: 'pair', pair: pair(0, 1, 0.8) });
  assert.equal(valueAt(viewFromPartials(partials)!, 'docs', 0, 1), 0.8);
});

test('a finished result: clusters with the DOCS floor from the plan, colour domains per index', () => {
  const pairs = [pair(0, 1, 0.9), pair(0, 2, 0.85), pair(1, 2, 0.88), pair(0, 3, 0.21), pair(1, 3, 0.22), pair(2, 3, 0.2)];
  const result = {
    ...plan,
    model: 'm',
    architecture: 'llama',
    pairs,
    docsChance: 0.2,
    engine: { provider: 'cpu', threads: 2 },
    layerReads: 4,
    seconds: 1,
    clusters: { clusters: [], threshold: NaN, thresholdRule: 'otsu', separability: NaN, rule: '', index: 'docs' },
  } as unknown as LayerSimilarityResult;
  const view = viewFromResult(result);
  const c = clustersOf(view, 'docs');
  assert.deepEqual(
    c.clusters.map((k) => [k.first, k.last]),
    [[0, 2]],
  );
  assert.ok(c.threshold >= 0.22 && c.threshold <= 0.85);
  assert.deepEqual(clustersOf(view, 'docs', 0.95).clusters, []);
  assert.deepEqual(colourDomain(heatCells(view, 'docs'), 'docs'), [0.2, 0.9]);
  assert.deepEqual(colourDomain(heatCells(view, 'pearson'), 'pearson'), [-0.9, 0.9]);
  // Values that barely differ keep a span of MIN_COLOUR_SPAN, so noise does not look like structure.
  const flat = viewFromResult({ ...result, pairs: pairs.map((p, i) => ({ ...p, values: { docs: 0.33 + 0.001 * i, pearson: 0.01 } })) });
  assert.deepEqual(colourDomain(heatCells(flat, 'docs'), 'docs'), [0.33, 0.33 + 0.1]);
  assert.deepEqual(colourDomain(heatCells(flat, 'pearson'), 'pearson'), [-0.05, 0.05]);
});

test('click-detail: histogram bars and the Gumbel curve in counts per bar integrate to the sample size', () => {
  const sample = Float32Array.from({ length: 400 }, (_, i) => 0.3 + 0.05 * -Math.log(-Math.log((i + 0.5) / 400)));
  const fit = fitGumbel(sample);
  let lo = Infinity,
    hi = -Infinity;
  for (const v of sample) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const bins = 30,
    width = (hi - lo) / bins;
  const counts = new Array(bins).fill(0);
  for (const v of sample) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  const { bars, curve } = sidePlotData({ loc: fit.loc, scale: fit.scale, histogram: { lo, hi, counts } });
  assert.equal(
    bars.reduce((s, b) => s + b.count, 0),
    400,
  );
  // ∫ n·w·f(x) dx over the curve's range / w ≈ n (the range covers all but a sliver of the density).
  let area = 0;
  for (let i = 1; i < curve.length; i++) area += 0.5 * (curve[i].y + curve[i - 1].y) * (curve[i].x - curve[i - 1].x);
  assert.ok(Math.abs(area / width - 400) < 400 * 0.03, `area ${area / width}`);
  const peak = curve.reduce((m, p) => (p.y > m.y ? p : m));
  assert.ok(Math.abs(peak.y - 400 * width * gumbelDensity(fit.loc, fit)) < 400 * width * 0.02);
  const flat = sidePlotData({ loc: 1, scale: 0, histogram: { lo: 1, hi: 1, counts: [12] } });
  assert.equal(flat.bars.length, 1);
  assert.equal(flat.curve.length, 0);
});
