// The executor on a multimodal wrapper: the trained stories260K written again by this test as the
// language model of a LLaVA-shaped checkpoint (tensors under `language_model.model.` and, in the
// newer save format, `model.language_model.`; a CLIP-style vision tower and the projector beside
// them; config.json the wrapper's, the language model's settings in `text_config`) runs forward with
// the same logits and hidden states as stories260K itself, and activation and persistence give the
// same results.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { decoderConfig, executorFor } from '../../../../../src/analysis/model/executor/index';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { runActivationJob } from '../../../../../src/analysis/methods/activation/job';
import { runPersistenceJob } from '../../../../../src/analysis/methods/persistence/job';
import type { DType } from '../../../../../src/analysis/io/dtypes';
import { writeSafetensors, type TensorSpec } from '../../../../fixtures/safetensorsWriter';
import { REPO_ROOT } from '../../../../paths';

const STORIES = join(REPO_ROOT, 'test/fixtures/models/stories260K');
const PROMPT = [1, 403, 407, 261, 378, 308, 365, 395, 442, 455, 261, 376];

/** Every tensor of a safetensors file as raw bytes (read independently of src/analysis/io). */
function readTensors(file: string): TensorSpec[] {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: DType; shape: number[]; data_offsets: [number, number] }>;
  return Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, bytes: new Uint8Array(buf.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1])) }));
}

/** A CLIP vision tower layer and the two-layer projector (LlavaMultiModalProjector): not decoder layers. */
function visionAndProjector(prefix: string): TensorSpec[] {
  const V = 8;
  const vals = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) / 4);
  const t = (name: string, shape: number[]): TensorSpec => ({ name, dtype: 'F32', shape, values: vals(shape.reduce((a, b) => a * b, 1)) });
  const v = `${prefix}vision_tower.vision_model.encoder.layers.0.`;
  return [
    ...['q', 'k', 'v'].map((r) => t(`${v}self_attn.${r}_proj.weight`, [V, V])),
    t(`${v}self_attn.out_proj.weight`, [V, V]),
    t(`${v}layer_norm1.weight`, [V]),
    t(`${v}layer_norm2.weight`, [V]),
    t(`${v}mlp.fc1.weight`, [2 * V, V]),
    t(`${v}mlp.fc2.weight`, [V, 2 * V]),
    t(`${prefix}multi_modal_projector.linear_1.weight`, [64, V]),
    t(`${prefix}multi_modal_projector.linear_2.weight`, [64, 64]),
  ];
}

let root: string, engine: Engine;
const dirs: Record<string, string> = {};

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'layer-lens-wrapper-'));
  engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const tensors = readTensors(join(STORIES, 'model.safetensors'));
  const text = JSON.parse(readFileSync(join(STORIES, 'config.json'), 'utf8')) as Record<string, unknown>;
  const { architectures: _a, tie_word_embeddings: tie, bos_token_id: bos, torch_dtype: dtype, ...textConfig } = text;
  // LlavaConfig: the language model's settings in text_config; tie_word_embeddings and the token ids at the top.
  const config = {
    architectures: ['LlavaForConditionalGeneration'],
    model_type: 'llava',
    tie_word_embeddings: tie,
    bos_token_id: bos,
    torch_dtype: dtype,
    image_token_index: 511,
    text_config: textConfig,
    vision_config: { model_type: 'clip_vision_model', hidden_size: 8, num_hidden_layers: 1, intermediate_size: 16, num_attention_heads: 2 },
  };
  // Older saves: `language_model.model.…`; newer ones (transformers ≥ 4.52 conversion mapping): `model.language_model.…`.
  const layouts: Record<string, { lm: string; vision: string }> = {
    llava: { lm: 'language_model.model.', vision: '' },
    llava_new: { lm: 'model.language_model.', vision: 'model.' },
  };
  for (const [name, { lm, vision }] of Object.entries(layouts)) {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
    const renamed = tensors.map((t) => ({ ...t, name: t.name.replace(/^model\./, lm) }));
    await writeSafetensors(join(dir, 'model.safetensors'), [...visionAndProjector(vision), ...renamed], { format: 'pt' });
    dirs[name] = dir;
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

test('the language model of a LLaVA wrapper: its prefix and text_config are the executor config', async () => {
  const model = await openModel(dirs.llava);
  assert.equal(model.layers.length, 5);
  const cfg = decoderConfig(model);
  assert.equal(cfg.numLayers, 5);
  assert.equal(cfg.hiddenSize, 64);
  assert.equal(cfg.names.layer(3), 'language_model.model.layers.3.');
  assert.equal(cfg.names.embed, 'language_model.model.embed_tokens.weight');
  assert.equal(cfg.names.finalNorm, 'language_model.model.norm.weight');
  // Tied (the wrapper's top-level tie_word_embeddings): lm_head reads the embeddings.
  assert.equal(cfg.names.lmHead, cfg.names.embed);
  assert.equal(cfg.tiedEmbeddings, true);
  const newer = decoderConfig(await openModel(dirs.llava_new));
  assert.equal(newer.names.layer(0), 'model.language_model.layers.0.');
  assert.equal(newer.names.embed, 'model.language_model.embed_tokens.weight');
});

test('forward on both wrapper layouts: logits and hidden states equal to stories260K itself', async () => {
  const run = async (dir: string) => {
    const ex = executorFor(await openModel(dir), { engine });
    try {
      return await ex.run([PROMPT], { logits: 'all', hiddenStates: true });
    } finally {
      await ex.release();
    }
  };
  const ref = await run(STORIES);
  assert.equal(ref.logits!.length, PROMPT.length * 512);
  for (const which of ['llava', 'llava_new']) {
    const r = await run(dirs[which]);
    assert.deepEqual(r.logits, ref.logits, `${which}: logits`);
    assert.equal(r.hiddenStates!.length, ref.hiddenStates!.length);
    r.hiddenStates!.forEach((h, l) => assert.deepEqual(h, ref.hiddenStates![l], `${which}: hidden state ${l}`));
  }
});

test('activation and persistence run on the wrapper with the results of stories260K', async () => {
  const ids = [PROMPT.slice(0, 8), ...Array.from({ length: 7 }, (_, p) => [1, ...Array.from({ length: 7 }, (_, t) => 3 + ((p * 131 + t * 71) % 509))])];
  const prompts = [{ kind: 'tokens' as const, ids }];
  const strip = <T extends { model: string; seconds: number; cached: unknown }>(r: T) => {
    const { model: _m, seconds: _s, cached: _c, ...rest } = r;
    return rest;
  };
  const act = async (dir: string) => strip(await runActivationJob(await openModel(dir), { prompts, maxTokens: 16 }, { engine }));
  const actRef = await act(STORIES);
  assert.equal(actRef.promptsDone, 8);
  assert.ok(actRef.layerFraction.some((f) => f > 0));
  assert.deepEqual(await act(dirs.llava), actRef);
  const pers = async (dir: string) => {
    const { forwardSeconds: _f, timings: _t, ...rest } = strip(await runPersistenceJob(await openModel(dir), { prompts, maxTokens: 16, k: 3 }, { engine }));
    return rest;
  };
  const persRef = await pers(STORIES);
  assert.deepEqual(await pers(dirs.llava_new), persRef);
});
