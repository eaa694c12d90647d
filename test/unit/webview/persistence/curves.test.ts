// The pruning-curves plots (webview/persistence/curvePlots.ts): one series per method with its own
// marker shape, perplexity on a log axis, the ring on the zigzag point at each suggested size, and
// acc / acc_norm only from points that were scored.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { PruneCurvesResult, CurvePoint } from '../../../../src/analysis/methods/persistence/evaluation/job';
import { CURVE_METHOD_LABELS } from '../../../../src/analysis/methods/persistence/evaluation/removal';
import { accuracyCurvesPlot, perplexityCurvesPlot } from '../../../../webview/persistence/curvePlots';
import type { Theme } from '../../../../webview/common/theme';

const theme = { accent: '#0af', muted: '#888', categorical: ['#1', '#2', '#3'] } as unknown as Theme;

function point(method: CurvePoint['method'], n: number, removed: number[], ppl: number, acc?: number): CurvePoint {
  return {
    method,
    n,
    removed,
    perplexity: { perplexity: ppl, meanNll: Math.log(ppl), tokens: 10, windows: 1 },
    ...(acc === undefined ? {} : { choices: { items: 4, acc, accNorm: acc / 2 } }),
  };
}

const result: PruneCurvesResult = {
  model: 'm',
  decoderLayers: 4,
  maxRemoved: 2,
  methods: ['zigzag', 'angular', 'bi'],
  heldOutSource: 'text',
  choicesSource: null,
  ranking: { suggestionDim: 1, averageSimilarity: [], blockInfluence: [], angularLastToken: [] },
  suggestions: [{ p: 0.9, n: 2, layers: [0, 3] }],
  points: [
    point('zigzag', 0, [], 10, 1),
    point('angular', 0, [], 10),
    point('bi', 0, [], 10),
    point('zigzag', 1, [3], 12, 0.75),
    point('angular', 1, [1], 14),
    point('bi', 1, [1], 14),
    point('zigzag', 2, [0, 3], 200, 0.5),
    point('angular', 2, [1, 2], 30),
    point('bi', 2, [1, 2], 30),
  ],
  evaluations: 5,
  seconds: 1,
};

type Marked = { data: Array<{ n: number; value: number; method: string }> };

test('perplexity curves: log y, a marker shape per method, the zigzag suggestion ringed', () => {
  const opts = perplexityCurvesPlot(result, theme);
  assert.equal((opts.y as { type: string }).type, 'log');
  assert.deepEqual((opts.symbol as { range: string[] }).range.length, 3);
  assert.deepEqual((opts.symbol as { domain: string[] }).domain, [CURVE_METHOD_LABELS.zigzag, CURVE_METHOD_LABELS.angular, CURVE_METHOD_LABELS.bi]);
  const [line, , ring] = opts.marks as unknown as Marked[];
  assert.equal(line.data.length, 9);
  assert.deepEqual(
    ring.data.map((d) => [d.method, d.n, d.value]),
    [[CURVE_METHOD_LABELS.zigzag, 2, 200]],
  );
});

test('accuracy curves: only scored points, acc and acc_norm', () => {
  const [acc, norm] = accuracyCurvesPlot(result, theme).marks as unknown as Marked[];
  assert.deepEqual(
    acc.data.map((d) => [d.n, d.value]),
    [
      [0, 1],
      [1, 0.75],
      [2, 0.5],
    ],
  );
  assert.deepEqual(
    norm.data.map((d) => d.value),
    [0.5, 0.375, 0.25],
  );
});
