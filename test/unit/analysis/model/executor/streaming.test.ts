import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { DecoderExecutor } from '../../../../../src/analysis/model/executor/decoder';
import { decoderConfig } from '../../../../../src/analysis/model/executor/config';
import { fileWeightSource, type WeightSource } from '../../../../../src/analysis/model/executor/weights';
import { writeSafetensorsF32 } from '../../../../../scripts/sample-model/safetensorsWrite';
import { syntheticWeights } from '../../../../fixtures/syntheticModel';

// Streaming: a synthetic 8-layer model (≈ 34 MB of weights) runs forward + backward while the
// weights alive at any moment stay within two layers (the current one and the prefetched next),
// and the process's resident memory grows by no more than the executor's stated budget plus one layer.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CONFIG = {
  model_type: 'llama',
  hidden_size: 256,
  intermediate_size: 1024,
  num_hidden_layers: 8,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  vocab_size: 512,
  max_position_embeddings: 128,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
};

/** Wraps a weight source and remembers every array it hands out, weakly. */
function tracked(src: WeightSource): { source: WeightSource; liveBytes: () => number } {
  const refs: Array<WeakRef<Float32Array | Float64Array>> = [];
  const keep = <T extends Float32Array | Float64Array>(a: T): T => (refs.push(new WeakRef(a)), a);
  return {
    source: { has: src.has, shape: src.shape, read: async (n) => keep(await src.read(n)), readRows: async (n, a, b) => keep(await src.readRows(n, a, b)) },
    liveBytes: () => refs.reduce((s, r) => s + (r.deref()?.byteLength ?? 0), 0),
  };
}

async function writeModel(dir: string, layers: number): Promise<void> {
  const cfg = { ...CONFIG, num_hidden_layers: layers };
  const weights = syntheticWeights(cfg);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  writeSafetensorsF32(join(dir, 'model.safetensors'), new Map([...weights].map(([k, v]) => [k, { shape: v.shape, data: v.data as Float32Array }])));
}

test('an 8-layer model streams: at most two layers of weights alive, RSS within budget + one layer', async () => {
  const root = mkdtempSync(join(tmpdir(), 'll-stream-'));
  try {
    const one = join(root, 'one'),
      eight = join(root, 'eight');
    mkdirSync(one);
    mkdirSync(eight);
    await writeModel(one, 1);
    await writeModel(eight, 8);
    const ids = [Array.from({ length: 32 }, (_, i) => (i * 37) % 512)];
    // Warm up on a 1-layer model of the same shape: the same graphs compile and onnxruntime's arena
    // grows to one layer's needs, so the growth measured next is what the extra layers cost.
    const warm = await openModel(one);
    const exWarm = new DecoderExecutor(decoderConfig(warm), fileWeightSource(warm), { prefetch: true });
    await exWarm.run(ids, { logits: 'last' }, { objective: 'max-logit', onLayer: () => {} });

    const model = await openModel(eight);
    const { source, liveBytes } = tracked(fileWeightSource(model));
    const ex = new DecoderExecutor(decoderConfig(model), source, { prefetch: true });
    const layer = ex.layerBytes();
    gc();
    const baseline = process.memoryUsage().rss;
    let peakLive = 0,
      peakRss = 0;
    const probe = () => {
      gc();
      peakLive = Math.max(peakLive, liveBytes());
      peakRss = Math.max(peakRss, process.memoryUsage().rss - baseline);
    };
    await ex.run(ids, { logits: 'last' }, { objective: 'max-logit', onLayer: probe }, { onProgress: probe });
    const budget = ex.memoryBudget(1, 32);
    assert.ok(peakLive <= 2 * layer + 64 * 1024, `live weight bytes ${peakLive} > two layers (${2 * layer})`);
    assert.ok(
      peakRss <= budget + layer,
      `RSS grew by ${(peakRss / 2 ** 20).toFixed(1)} MiB; budget ${(budget / 2 ** 20).toFixed(1)} MiB + one layer ${(layer / 2 ** 20).toFixed(1)} MiB`,
    );
    assert.ok(budget + layer < 8 * layer, 'the budget must be below the whole model, or the test proves nothing');
    await ex.release();
    await exWarm.release();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
