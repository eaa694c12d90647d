import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecoderExecutor } from '../../../../../src/analysis/model/executor/decoder';
import { decoderConfigFromJson } from '../../../../../src/analysis/model/executor/config';
import { memoryWeightSource, type HostWeight } from '../../../../../src/analysis/model/executor/weights';
import { lcgTensor } from '../../../../fixtures/syntheticModel';
import { REPO_ROOT } from '../../../../paths';

// GPT-2 (Conv1D, fused c_attn, learned positions, tanh GELU) and GPT-NeoX (interleaved fused qkv,
// partial rotary, exact GELU, parallel and sequential residual) against test/oracles/gpt_forward.py.
const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/gpt_forward.json'), 'utf8'));

function oracleWeights(c: any): Map<string, HostWeight> {
  const w = new Map<string, HostWeight>();
  for (const t of c.tensors) {
    const n = t.shape.reduce((a: number, b: number) => a * b, 1);
    w.set(t.name, { shape: t.shape, data: t.scale === 'norm' ? lcgTensor(t.seed, n, 0.5).map((v) => 1 + v) : lcgTensor(t.seed, n, t.scale) });
  }
  return w;
}

const norm = (x: ArrayLike<number>, o: number, n: number) => {
  let s = 0;
  for (let i = o; i < o + n; i++) s += x[i] * x[i];
  return Math.sqrt(s);
};

for (const [name, c] of Object.entries<any>(oracle)) {
  test(`forward matches the numpy oracle: ${name}`, async () => {
    const w = oracleWeights(c);
    const cfg = decoderConfigFromJson(c.config, (n) => w.has(n));
    const ex = new DecoderExecutor(cfg, memoryWeightSource(w));
    try {
      const T = c.ids.length,
        V = cfg.vocabSize,
        d = cfg.hiddenSize;
      const r = await ex.run([c.ids], { logits: 'all', hiddenStates: true, postAttentionNorm: true });
      let maxDiff = 0;
      for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(r.logits![t * V + v] - c.logits[t][v]));
      assert.ok(maxDiff < 1e-4, `max |Δlogit| = ${maxDiff}`);
      for (let l = 0; l <= cfg.numLayers; l++) {
        for (let t = 0; t < T; t++) assert.ok(Math.abs(norm(r.hiddenStates![l], t * d, d) - c.boundaryNorms[l][t]) < 1e-4 * c.boundaryNorms[l][t]);
      }
      for (let l = 0; l < cfg.numLayers; l++) {
        for (let t = 0; t < T; t++)
          assert.ok(Math.abs(norm(r.postAttentionNorm![l], t * d, d) - c.postAttentionNormNorms[l][t]) < 1e-4 * c.postAttentionNormNorms[l][t]);
      }
    } finally {
      await ex.release();
    }
  });
}

test('GPT-2 prompts longer than n_positions are refused', async () => {
  const c = oracle.gpt2;
  const w = oracleWeights(c);
  const ex = new DecoderExecutor(
    decoderConfigFromJson(c.config, (n) => w.has(n)),
    memoryWeightSource(w),
  );
  await assert.rejects(ex.run([new Array(17).fill(1)]), /at most 16/);
});
