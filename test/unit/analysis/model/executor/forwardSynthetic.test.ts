import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecoderExecutor } from '../../../../../src/analysis/model/executor/decoder';
import { syntheticModel } from '../../../../fixtures/syntheticModel';
import { REPO_ROOT } from '../../../../paths';

// Every Llama-family variant (GQA, biases, Qwen3 q/k norms and explicit head_dim, tied embeddings,
// sliding window, each rope_scaling type) against the independent numpy forward in test/oracles/llama_forward.py.
const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/llama_forward.json'), 'utf8'));

function norm(x: ArrayLike<number>, o: number, n: number): number {
  let s = 0;
  for (let i = o; i < o + n; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

for (const [name, c] of Object.entries<any>(oracle.synthetic)) {
  test(`forward matches the numpy oracle: ${name}`, async () => {
    const { cfg, source } = syntheticModel(c.config);
    const ex = new DecoderExecutor(cfg, source);
    try {
      const T = c.ids.length,
        V = cfg.vocabSize,
        d = cfg.hiddenSize;
      const r = await ex.run([c.ids], { logits: 'all', hiddenStates: true, postAttentionNorm: true, finalNorm: true });
      let maxDiff = 0;
      for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(r.logits![t * V + v] - c.logits[t][v]));
      assert.ok(maxDiff < 1e-4, `max |Δlogit| = ${maxDiff}`);
      assert.equal(r.hiddenStates!.length, cfg.numLayers + 1);
      for (let l = 0; l <= cfg.numLayers; l++) {
        for (let t = 0; t < T; t++) {
          const got = norm(r.hiddenStates![l], t * d, d),
            want = c.boundaryNorms[l][t];
          assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, want), `boundary ${l} position ${t}: ${got} vs ${want}`);
        }
      }
      for (let l = 0; l < cfg.numLayers; l++) {
        const got = norm(r.postAttentionNorm![l], (T - 1) * d, d),
          want = c.postAttentionNormNorms[l][T - 1];
        assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, want), `post-attention norm ${l}: ${got} vs ${want}`);
      }
      assert.ok(Math.abs(norm(r.finalNorm!, 0, d) - c.finalNormNorms[0]) < 1e-4 * c.finalNormNorms[0]);
    } finally {
      await ex.release();
    }
  });
}
