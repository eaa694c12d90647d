// The report figures against closed forms: tick values, the linear map of points onto the plot
// area, colours at the ends and middle of the ramps, one cell per value, gaps for missing values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { linear, shortNumber, ticks } from '../../../../src/analysis/report/svg/scale';
import { diverging, sequential } from '../../../../src/analysis/report/svg/colors';
import { lineChartSvg } from '../../../../src/analysis/report/svg/lineChart';
import { heatmapSvg } from '../../../../src/analysis/report/svg/heatmap';
import { planFigures } from '../../../../src/analysis/report/figures';
import { assertWellFormed } from './reportChecks';

test('ticks are round steps of 1, 2 or 5 × 10^k inside the range', () => {
  assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(ticks(-3, 7, 2), [0, 5]);
  assert.deepEqual(ticks(2, 2), [2]);
  assert.deepEqual(ticks(-0.5, 0.5, 4), [-0.5, 0, 0.5]);
  assert.deepEqual(ticks(0.13, 0.61, 5), [0.2, 0.3, 0.4, 0.5, 0.6]);
  assert.equal(linear(0, 10, 100, 200)(2.5), 125);
  assert.equal(linear(3, 3, 0, 10)(3), 5);
  assert.equal(shortNumber(0.123456), '0.123');
  assert.equal(shortNumber(123456), '1.2e5');
  assert.equal(shortNumber(0.00012), '1.2e-4');
});

test('the ramps pass through the stops of the panels’ colour schemes (d3-scale-chromatic viridis and RdBu[11])', () => {
  const d3 = createRequire(__filename)('d3-scale-chromatic') as { interpolateViridis(t: number): string; schemeRdBu: string[][] };
  for (let i = 0; i <= 7; i++) assert.equal(sequential(i / 7), d3.interpolateViridis(i / 7), `viridis at ${i}/7`);
  d3.schemeRdBu[11]!.forEach((c, i) => assert.equal(diverging(i / 10), c, `RdBu at ${i}/10`));
  assert.equal(sequential(-3), '#440154', 'clamped');
  // Halfway between the first two viridis stops: their mean per channel, rounded.
  assert.equal(sequential(1 / 14), '#451a69');
});

test('a line chart puts y = 2x at the linear positions of the plot area, with a gap at a missing value', () => {
  const svg = lineChartSvg({
    series: [{ name: 'q', points: [0, 1, 2, 3, 4].map((x) => ({ x, y: x === 2 ? null : 2 * x })) }],
    xLabel: 'layer',
    yLabel: 'v',
    width: 460,
    height: 240,
  });
  assertWellFormed(`<!DOCTYPE html>\n${svg}`);
  // Plot area: x from 60 to 460 − 16 = 444, y from 240 − 40 = 200 (y = 0) up to 12 (y = 8).
  const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  const expected = [0, 1, 3, 4].map((x) => [60 + (x / 4) * 384, 200 - ((2 * x) / 8) * 188]);
  assert.equal(dots.length, 4);
  dots.forEach(([cx, cy], i) => {
    assert.ok(Math.abs(cx! - expected[i]![0]!) < 0.051, `cx ${cx} vs ${expected[i]![0]}`);
    assert.ok(Math.abs(cy! - expected[i]![1]!) < 0.051, `cy ${cy} vs ${expected[i]![1]}`);
  });
  const d = /<path d="([^"]+)"/.exec(svg)![1]!;
  assert.equal((d.match(/M/g) ?? []).length, 2, 'the line breaks at the missing value');
});

test('a heatmap has one cell per finite value, coloured by its place in the domain, hatched where missing', () => {
  const cells = [
    { x: 'a', y: 'r', value: 0 },
    { x: 'b', y: 'r', value: 1 },
    { x: 'a', y: 's', value: 0.5 },
    { x: 'b', y: 's', value: null },
  ];
  const svg = heatmapSvg({ xs: ['a', 'b'], ys: ['r', 's'], cells, xLabel: 'x', yLabel: 'y', label: 'v', domain: [0, 1] });
  assertWellFormed(`<!DOCTYPE html>\n${svg}`);
  const fills = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="\d+" height="\d+" fill="(#[0-9a-f]{6})"><title>([^<]*)<\/title>/g)].map((m) => [
    m[2],
    m[1],
  ]);
  assert.deepEqual(fills, [
    ['y r, x a: 0', sequential(0)],
    ['y r, x b: 1', sequential(1)],
    ['y s, x a: 0.5', sequential(0.5)],
  ]);
  assert.match(svg, /class="missing"/);
});

test('figure plans read the tidy rows: a symmetric heatmap mirrors the stored triangle; lines average rows at one x', () => {
  const rows = [
    { kind: 'q', layer_a: 0, layer_b: 1, metric: 'docs', value: 0.25 },
    { kind: 'q', layer_a: 0, layer_b: 2, metric: 'docs', value: 0.75 },
    { kind: 'q', layer_a: 1, layer_b: 2, metric: 'docs', value: null },
  ];
  const [fig] = planFigures(rows, [{ type: 'heatmap', metric: 'docs', x: 'layer_b', y: 'layer_a', symmetric: true, caption: 'c' }]);
  const titles = [...fig!.svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]).sort();
  assert.deepEqual(titles, ['layer_a 0, layer_b 1: 0.25', 'layer_a 0, layer_b 2: 0.75', 'layer_a 1, layer_b 0: 0.25', 'layer_a 2, layer_b 0: 0.75']);
  const lines = planFigures(
    [
      { step: 10, layer: 0, kind: 'q', metric: 'm', value: 1 },
      { step: 10, layer: 1, kind: 'q', metric: 'm', value: 3 },
      { step: 20, layer: 0, kind: 'q', metric: 'm', value: 5 },
    ],
    [{ type: 'lines', metric: 'm', x: 'step', series: ['kind'], caption: 'm' }],
  );
  const points = [...lines[0]!.svg.matchAll(/<circle [^>]*><title>q · step (\d+): ([\d.]+)<\/title>/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(points, [
    [10, 2],
    [20, 5],
  ]);
  assert.match(lines[0]!.caption, /mean over the rows at each step/);
});

test('a flat series (equal to rounding, as cosines of 1 and 1 − 1 ulp) draws one level with round ticks, and the tick search is bounded', () => {
  assert.deepEqual(ticks(1 - 2 ** -52, 1, 5), [1 - 2 ** -52]);
  assert.ok(ticks(0, 1e300, 5).length <= 6);
  const svg = lineChartSvg({
    series: [{ name: 'cos', points: [0, 1, 2].map((x) => ({ x, y: x === 1 ? 1 - 2 ** -52 : 1 })) }],
    xLabel: 'layer',
    yLabel: 'cosine',
  });
  const cys = new Set([...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => m[1]));
  assert.equal(cys.size, 1, 'one level');
  assert.ok(/>0\.9<\/text>/.test(svg) && />1\.1<\/text>/.test(svg), 'ticks around the value');
});
