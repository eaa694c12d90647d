/**
 * The language model of Qwen2.5-VL checkpoints (both save formats: `model.layers.N` beside `visual.`,
 * and `model.language_model.layers.N` beside `model.visual.` with the settings in text_config) runs
 * as the Qwen2 decoder it is: the same weights under a plain `qwen2` config give the same logits.
 * Text-only prompts make Qwen2.5-VL's multimodal RoPE plain RoPE (config.ts, QWEN_VL_TYPES). The same
 * for Qwen3-VL's language model (`model.language_model.`, per-head q/k norms) against plain Qwen3.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readTensorF32 } from '../../../../../src/analysis/model/readRole';
import { executorFor, DecoderExecutor, decoderConfigFromJson, memoryWeightSource } from '../../../../../src/analysis/model/executor/index';
import { writeMultimodalModel } from '../../../../fixtures/wrapperLayouts';

const root = mkdtempSync(join(tmpdir(), 'layer-lens-qwen-vl-'));
after(() => rmSync(root, { recursive: true, force: true }));

for (const kind of ['qwen2_5_vl', 'qwen2_5_vl_new', 'qwen3_vl'] as const) {
  const plainType = kind === 'qwen3_vl' ? 'qwen3' : 'qwen2';
  test(`${kind} language model runs as ${plainType} on text`, async () => {
    const fx = await writeMultimodalModel(join(root, kind), kind, { layers: 2, seed: 4 });
    const model = await openModel(fx.dir);
    const lm = kind === 'qwen2_5_vl' ? 'model.' : 'model.language_model.';
    const weights = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of model.tensors) {
      if (name.startsWith(lm) && !name.startsWith('model.visual.'))
        weights.set('model.' + name.slice(lm.length), { shape: t.shape, data: await readTensorF32(model, name) });
      if (name === 'lm_head.weight') weights.set(name, { shape: t.shape, data: await readTensorF32(model, name) });
    }
    const raw = model.config as Record<string, unknown>;
    const text = (raw.text_config as Record<string, unknown> | undefined) ?? raw;
    const plain = { ...text, model_type: plainType, rope_scaling: null, tie_word_embeddings: false };
    const ids = [[3, 17, 4, 29, 11, 0, 8]];
    const exVl = executorFor(model);
    const exPlain = new DecoderExecutor(
      decoderConfigFromJson(plain, (n) => weights.has(n)),
      memoryWeightSource(weights),
    );
    try {
      assert.equal(exVl.cfg.numLayers, 2);
      const a = (await exVl.run(ids, { logits: 'all' })).logits!;
      const b = (await exPlain.run(ids, { logits: 'all' })).logits!;
      assert.equal(a.length, b.length);
      let diff = 0,
        scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      assert.ok(scale > 0.01 && diff < 1e-6 * Math.max(1, scale), `max |Δlogit| = ${diff}`);
    } finally {
      await exVl.release();
      await exPlain.release();
    }
  });
}

test('mrope rope_scaling is read as plain RoPE for the Qwen-VL language model only', () => {
  const base = { hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 32 };
  const rope_scaling = { type: 'mrope', mrope_section: [1, 1, 0] };
  assert.equal(decoderConfigFromJson({ ...base, model_type: 'qwen2_5_vl_text', rope_scaling }, () => true).rope.type, 'default');
  assert.throws(() => decoderConfigFromJson({ ...base, model_type: 'qwen2', rope_scaling }, () => true), /rope_scaling type "mrope" is not supported/);
});
