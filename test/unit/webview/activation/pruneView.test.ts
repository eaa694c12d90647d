// The activation panel's pruning ratio over density (webview/activation/pruneView.ts): the dots are
// the result's density and ratio per layer, and every layer not clipped lies on the allocation
// rule's line r = K − d (slope −1, K = target + c + mean d), from a real run on a small decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecoderExecutor } from '../../../../src/analysis/model/executor/decoder';
import { activationAnalysis } from '../../../../src/analysis/methods/activation/activation';
import { pruningRatios } from '../../../../src/analysis/methods/activation/stats';
import { prunePoints, ruleIntercept } from '../../../../webview/activation/pruneView';
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

test('pruning ratio over density: the result per layer, on the rule line r = K − d', async () => {
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
  const K = ruleIntercept(points)!;
  const meanD = r.layerFraction.reduce((a, d) => a + d, 0) / r.layerFraction.length;
  for (const p of points.filter((x) => !x.clipped)) assert.ok(Math.abs(p.ratio - (K - p.density)) < 1e-9, `layer ${p.layer}`);
  // With nothing clipped the shift c is 0 and K = target + mean d (the ratios' mean is the target).
  if (points.every((p) => !p.clipped)) assert.ok(Math.abs(K - (0.4 + meanD)) < 1e-9);
});

test('clipped layers are off the line and marked; the line comes from the others', () => {
  const density = [0.05, 0.1, 0.9, 0.12];
  const ratios = pruningRatios(density, 0.3);
  const points = prunePoints({ layerFraction: density, pruneRatios: ratios });
  assert.deepEqual(
    points.map((p) => p.clipped),
    [false, false, true, false],
  );
  const K = ruleIntercept(points)!;
  for (const p of points.filter((x) => !x.clipped)) assert.ok(Math.abs(p.ratio + p.density - K) < 1e-12);
  assert.equal(ruleIntercept([{ layer: 0, density: 0.5, ratio: 0, clipped: true }]), null);
});
