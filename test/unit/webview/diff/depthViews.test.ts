// The diff panel's depth line and Δ-spectrum reference (webview/diff/depthViews.ts): relative change
// per layer and kind equals the diff's own numbers (experts folded by max or mean); the random
// reference equals the closed-form quarter-circle quantiles for a square matrix, and a planted
// low-rank update stands far above it while a Gaussian Δ follows it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { diffMatrices } from '../../../../src/analysis/methods/diff/matrix';
import { randomReferenceSpectrum, relChangeDepthLines } from '../../../../webview/diff/depthViews';
import { randomMatrix } from '../../analysis/engine/random';
import { lowRank } from '../../analysis/methods/diff/helpers';

const options = { docs: false, spectra: false, keepSingular: 40, bins: 11 };

test('relative change against depth: one line per kind, experts folded by max or mean', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const A = randomMatrix(12, 16, 1);
  const scaled = (f: number) => ({ ...A, data: A.data.map((x) => f * x) });
  // The diff sets `expert` on an expert's matrix after comparing it, as here.
  const pair = async (B: typeof A, layer: number, kind: 'q' | 'up', expert?: number) => ({
    ...(await diffMatrices(A, B, { layer, kind, dtypeA: 'F32', dtypeB: 'F32' }, options, { engine })),
    ...(expert === undefined ? {} : { expert }),
  });
  const list = [
    await pair(scaled(1.5), 1, 'q'),
    await pair(scaled(1.1), 0, 'q'),
    await pair(scaled(1.2), 0, 'up', 0),
    await pair(scaled(1.6), 0, 'up', 1),
    await pair(scaled(0.9), 1, 'up', 0),
  ];
  // B = f·A: ‖B − A‖ / ‖A‖ = |f − 1| exactly (up to float32 rounding of B).
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  const max = relChangeDepthLines(list, 'max');
  assert.deepEqual(
    max.map((l) => l.name),
    ['q', 'up'],
  );
  assert.deepEqual(
    max[0]!.points.map((p) => p.x),
    [0, 1],
  );
  close(max[0]!.points[0]!.y, 0.1);
  close(max[0]!.points[1]!.y, 0.5);
  close(max[1]!.points[0]!.y, 0.6);
  assert.equal(max[1]!.points[0]!.experts, 2);
  close(max[1]!.points[1]!.y, 0.1);
  const mean = relChangeDepthLines(list, 'mean');
  close(mean[1]!.points[0]!.y, (list[2]!.relChange + list[3]!.relChange) / 2);
  close(mean[1]!.points[0]!.y, 0.4);
  // A pair whose A is zero has an infinite relative change: a gap, not a point.
  const zero = { ...A, data: new Float32Array(A.data.length) };
  const inf = await diffMatrices(zero, A, { layer: 2, kind: 'q', dtypeA: 'F32', dtypeB: 'F32' }, options, { engine });
  assert.equal(inf.relChange, Infinity);
  assert.equal(relChangeDepthLines([inf], 'max').length, 0);
});

test('random reference of a square matrix: the quarter-circle quantiles in closed form', () => {
  // n×n, entry σ: x = ν/(σ√n) has density √(4 − x²)/π on [0, 2], CDF F(x) = (x√(4 − x²)/2 + 2·asin(x/2))/π.
  const n = 50;
  const frob = 7;
  const sigma = frob / n;
  const F = (x: number) => ((x * Math.sqrt(4 - x * x)) / 2 + 2 * Math.asin(x / 2)) / Math.PI;
  const ref = randomReferenceSpectrum(n, n, frob, 10);
  assert.equal(ref.length, 10);
  ref.forEach((nu, k) => {
    const x = nu / (sigma * Math.sqrt(n));
    const want = 1 - (k + 0.5) / n;
    assert.ok(Math.abs(F(x) - want) < 1e-9, `quantile ${k + 1}: F = ${F(x)}, want ${want}`);
  });
  for (let i = 1; i < ref.length; i++) assert.ok(ref[i]! < ref[i - 1]!);
  // The expected squares sum to ‖Δ‖_F² over all m quantiles (midpoint rule of ∫ν² dF).
  const all = randomReferenceSpectrum(200, 300, frob, 200);
  const sumSq = all.reduce((a, v) => a + v * v, 0);
  assert.ok(Math.abs(sumSq / (frob * frob) - 1) < 0.01, `Σ σᵢ² / ‖Δ‖² = ${sumSq / (frob * frob)}`);
  assert.deepEqual(randomReferenceSpectrum(4, 5, 0, 3), []);
});

test('a low-rank Δ stands above the reference, a Gaussian Δ follows it', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const rows = 60,
    cols = 90;
  const A = randomMatrix(rows, cols, 3);
  const noise = randomMatrix(rows, cols, 4);
  const gaussianB = { ...A, data: A.data.map((x, i) => x + 0.01 * noise.data[i]!) };
  const upd = lowRank(rows, cols, [3, 2], 5);
  const lowRankB = { ...A, data: A.data.map((x, i) => x + upd[i]!) };
  const g = await diffMatrices(A, gaussianB, { layer: 0, kind: 'q', dtypeA: 'F32', dtypeB: 'F32' }, options, { engine });
  const l = await diffMatrices(A, lowRankB, { layer: 0, kind: 'q', dtypeA: 'F32', dtypeB: 'F32' }, options, { engine });
  const refG = randomReferenceSpectrum(rows, cols, g.normDelta, 20);
  // Within 15% of the quantile over the first 20 values (finite-size fluctuation of a 60×90 sample).
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(g.delta.singularValues[i]! / refG[i]! - 1) < 0.15, `σ${i + 1} ${g.delta.singularValues[i]} vs ${refG[i]}`);
  const refL = randomReferenceSpectrum(rows, cols, l.normDelta, 2);
  assert.ok(l.delta.singularValues[0]! > 2 * refL[0]!, `σ1 ${l.delta.singularValues[0]} vs random ${refL[0]}`);
});
