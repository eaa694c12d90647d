// The activation panel's pruning ratio over density (webview/activation/pruneView.ts): the dots are
// the result's density and ratio per layer, and every layer not clipped lies on the allocation
// rule's line r = K − s·d (OWL: s = 2λ / (max d − min d)), from a real run on a small decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecoderExecutor } from '../../../../src/analysis/model/executor/decoder';
import { activationAnalysis } from '../../../../src/analysis/methods/activation/activation';
import { pruningRatios } from '../../../../src/analysis/methods/activation/stats';
import { prunePoints, ruleLine } from '../../../../webview/activation/pruneView';
import { syntheticModel } from '../../../fixtures/syntheticModel';

const CONFIG = {
  model_type: 'llama',
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 32,
  max_position_embeddings: 64,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
};

test('pruning ratio over density: the result per layer, on the rule line r = K − s·d', async () => {
  const { cfg, source } = syntheticModel(CONFIG);
  const ex = new DecoderExecutor(cfg, source);
  const prompts = [
    { domain: 'x', label: 'x1', ids: [1, 5, 9, 2] },
    { domain: 'y', label: 'y1', ids: [20, 21, 30, 31, 7] },
  ];
  const r = await activationAnalysis(ex, prompts, { threshold: { kind: 'relative', factor: 1 }, targetPruneRatio: 0.4 });
  const points = prunePoints(r);
  assert.equal(points.length, 4);
  points.forEach((p, l) => {
    assert.equal(p.layer, l);
    assert.equal(p.density, r.layerFraction[l]);
    assert.equal(p.ratio, r.pruneRatios[l]);
  });
  assert.ok(points.filter((p) => !p.clipped).length >= 2, 'layers on the line');
  assert.ok(new Set(points.map((p) => p.density)).size > 1, 'densities differ');
  const line = ruleLine(points)!;
  const lo = Math.min(...r.layerFraction),
    hi = Math.max(...r.layerFraction);
  // OWL's default λ = 0.08: slope 2λ / (max d − min d); with nothing clipped K = target + s·(mean d).
  assert.ok(Math.abs(line.slope - 0.16 / (hi - lo)) < 1e-6 * line.slope, `slope ${line.slope}`);
  for (const p of points.filter((x) => !x.clipped)) assert.ok(Math.abs(p.ratio - (line.intercept - line.slope * p.density)) < 1e-9, `layer ${p.layer}`);
  const meanD = r.layerFraction.reduce((a, d) => a + d, 0) / r.layerFraction.length;
  if (points.every((p) => !p.clipped)) assert.ok(Math.abs(line.intercept - (0.4 + line.slope * meanD)) < 1e-9);
});

test('clipped layers are off the line and marked; the line comes from the others', () => {
  // target 0.1, λ 0.1: n = 0, 0.0588…, 1, 0.0824… → the densest layer would go to 0.1 − 0.2·(1 − mean n) < 0.
  const density = [0.05, 0.1, 0.9, 0.12];
  const ratios = pruningRatios(density, 0.1, 0.1);
  const points = prunePoints({ layerFraction: density, pruneRatios: ratios });
  assert.deepEqual(
    points.map((p) => p.clipped),
    [false, false, true, false],
  );
  const line = ruleLine(points)!;
  assert.ok(Math.abs(line.slope - 0.2 / 0.85) < 1e-9);
  for (const p of points.filter((x) => !x.clipped)) assert.ok(Math.abs(p.ratio + line.slope * p.density - line.intercept) < 1e-12);
  assert.equal(ruleLine([{ layer: 0, density: 0.5, ratio: 0, clipped: true }]), null);
  assert.deepEqual(ruleLine([{ layer: 0, density: 0.5, ratio: 0.3, clipped: false }]), { intercept: 0.3, slope: 0 });
});
