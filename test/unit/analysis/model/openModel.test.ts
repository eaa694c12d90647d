// Opening models: bare files (generic grouping), files inside model folders, folders with several
// unindexed files, unknown architectures, and a full-size sparse Llama-3-8B folder whose shards are
// holes on disk, which proves opening reads headers only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readRoleMatrix, readTensorRowsF32 } from '../../../../src/analysis/model/readRole';
import { MATRIX_ROLES } from '../../../../src/analysis/model/types';
import { writeFixtureModel } from '../../../fixtures/makeModel';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { LLAMA3_8B, writeSparseLlama8B } from '../../../fixtures/sparseLlama8B';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-open-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('a bare .safetensors without config.json opens with the generic grouping', async () => {
  const fx = await writeFixtureModel(join(root, 'src-llama'), { arch: 'llama', layers: 2, dtype: 'BF16' });
  const bare = join(root, 'bare');
  await mkdir(bare);
  await copyFile(join(fx.dir, 'model.safetensors'), join(bare, 'weights.safetensors'));
  const model = await openModel(join(bare, 'weights.safetensors'));
  assert.equal(model.kind, 'file');
  assert.equal(model.architecture, 'generic');
  assert.equal(model.config, null);
  assert.equal(model.attention, undefined);
  assert.match(model.notes![0], /No config\.json: layers are found from '\.N\.' in tensor names/);
  assert.deepEqual(
    model.layers.map((l) => l.index),
    [0, 1],
  );
  assert.equal(model.layers[1].suffixes?.['self_attn.q_proj.weight'], 'model.layers.1.self_attn.q_proj.weight');
  assert.deepEqual(Object.keys(model.layers[0].roles), [...MATRIX_ROLES]);
  assert.deepEqual((await readRoleMatrix(model, 1, 'down')).data, fx.source[1].down!.data);
  assert.equal(model.otherRoles.get('model.embed_tokens.weight'), 'embed');
  assert.equal(model.otherRoles.get('model.norm.weight'), 'final_norm');
});

test('generic grouping: Meta-style names get roles, ambiguous names do not, other stacks stay out', async () => {
  const dir = join(root, 'meta');
  await mkdir(dir);
  const t = (name: string, shape: number[]) => ({ name, dtype: 'F32' as const, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) });
  const specs = [t('tok_embeddings.weight', [10, 4]), t('norm.weight', [4]), t('output.weight', [10, 4])];
  for (let l = 0; l < 3; l++) {
    const p = `layers.${l}.`;
    specs.push(
      t(p + 'attention.wq.weight', [4, 4]),
      t(p + 'attention.wk.weight', [2, 4]),
      t(p + 'attention.wv.weight', [2, 4]),
      t(p + 'attention.wo.weight', [4, 4]),
      t(p + 'feed_forward.w1.weight', [6, 4]),
      t(p + 'feed_forward.w2.weight', [4, 6]),
      t(p + 'feed_forward.w3.weight', [6, 4]),
      t(p + 'attention_norm.weight', [4]),
      t(p + 'cross.q_proj.weight', [4, 4]),
      t(p + 'self.q_proj.weight', [4, 4]),
    );
  }
  specs.push(t('vision.blocks.0.fc1.weight', [4, 4]));
  await writeSafetensors(join(dir, 'consolidated.safetensors'), specs);
  const model = await openModel(dir);
  assert.equal(model.architecture, 'generic');
  assert.equal(model.layers.length, 3);
  const l2 = model.layers[2];
  assert.deepEqual(Object.keys(l2.roles), ['k', 'v', 'o', 'gate', 'up', 'down']);
  assert.equal(l2.roles.gate?.source.tensor, 'layers.2.feed_forward.w1.weight');
  assert.equal(l2.roles.up?.source.tensor, 'layers.2.feed_forward.w3.weight');
  assert.deepEqual(l2.roles.down?.shape, [4, 6]);
  assert.equal(l2.tensorRoles?.['layers.2.attention_norm.weight'], 'norm');
  assert.ok(model.notes!.some((n) => /Layer 0 has several tensors that could be 'q'/.test(n)));
  assert.equal(model.otherRoles.get('vision.blocks.0.fc1.weight'), 'other');
  assert.equal(model.otherRoles.get('output.weight'), 'lm_head');
});

test('an unknown model_type with Llama tensor names is mapped like Llama, with a note', async () => {
  const fx = await writeFixtureModel(join(root, 'olmo'), { arch: 'llama', layers: 2 });
  await writeFile(join(fx.dir, 'config.json'), JSON.stringify({ ...fx.config, model_type: 'acme_lm', architectures: ['AcmeLmForCausalLM'] }));
  const model = await openModel(fx.dir);
  assert.equal(model.architecture, 'acme_lm');
  assert.equal(model.architectureLabel, 'AcmeLmForCausalLM');
  assert.ok(model.attention);
  assert.match(model.notes![0], /Architecture 'acme_lm' is not in the architecture map; its tensor names follow Llama's/);
  assert.deepEqual((await readRoleMatrix(model, 1, 'q')).data, fx.source[1].q!.data);
});

test("a file opened inside a model folder uses that folder's config.json", async () => {
  const fx = await writeFixtureModel(join(root, 'gpt2-file'), { arch: 'gpt2', layers: 2 });
  const model = await openModel(join(fx.dir, 'model.safetensors'));
  assert.equal(model.kind, 'file');
  assert.equal(model.architecture, 'gpt2');
  assert.deepEqual((await readRoleMatrix(model, 0, 'v')).data, fx.source[0].v!.data);
});

test('a folder of several unindexed safetensors files reads them all', async () => {
  const dir = join(root, 'multi');
  await mkdir(dir);
  await writeSafetensors(join(dir, 'b.safetensors'), [{ name: 'h.1.w', dtype: 'F32', shape: [2, 2], values: [1, 2, 3, 4] }]);
  await writeSafetensors(join(dir, 'a.safetensors'), [{ name: 'h.0.w', dtype: 'F32', shape: [2, 2], values: [5, 6, 7, 8] }]);
  const model = await openModel(dir);
  assert.deepEqual(model.files, [join(dir, 'a.safetensors'), join(dir, 'b.safetensors')]);
  assert.deepEqual(
    model.layers.map((l) => l.tensors),
    [['h.0.w'], ['h.1.w']],
  );
  assert.deepEqual([...(await readTensorRowsF32(model, 'h.1.w', 1, 2))], [3, 4]);
});

test('sparse Llama-3-8B folder: opens from headers alone with 32 layers, GQA 32/8 × 128', async () => {
  const dir = join(root, 'llama3-8b');
  const { totalBytes, tensorCount } = await writeSparseLlama8B(dir);
  const onDisk = (await stat(join(dir, 'model-00001-of-00004.safetensors'))).blocks * 512;
  assert.ok(onDisk < 1 << 20, `shard 1 uses ${onDisk} bytes of disk; expected a sparse file`);
  const t0 = performance.now();
  const model = await openModel(dir);
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `opening took ${ms.toFixed(0)} ms`);
  assert.equal(model.files.length, 4);
  assert.equal(model.tensors.size, tensorCount);
  assert.equal(
    [...model.tensors.values()].reduce((a, t) => a + t.byteLength, 0),
    totalBytes,
  );
  assert.equal(totalBytes, 8_030_261_248 * 2);
  assert.equal(model.layers.length, LLAMA3_8B.layers);
  assert.deepEqual(model.attention, { numHeads: 32, numKvHeads: 8, headDim: 128 });
  for (const l of model.layers) assert.deepEqual(Object.keys(l.roles), [...MATRIX_ROLES]);
  assert.deepEqual(model.layers[31].roles.k?.shape, [1024, 4096]);
  assert.deepEqual(model.layers[31].roles.down?.shape, [4096, 14336]);
  assert.equal(model.otherRoles.get('lm_head.weight'), 'lm_head');
  // Reading a few rows of the 1 GB embedding touches only those rows (zeros: the file is a hole).
  const rows = await readTensorRowsF32(model, 'model.embed_tokens.weight', 128000, 128002);
  assert.equal(rows.length, 2 * 4096);
  assert.ok(rows.every((x) => x === 0));
});

test('generic grouping never takes a vision tower for the decoder, even when it has more tensors', async () => {
  const dir = join(root, 'vision-heavy');
  await mkdir(dir);
  const t = (name: string, shape: number[]) => ({ name, dtype: 'F32' as const, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.25) });
  const specs = [];
  for (let l = 0; l < 2; l++) for (const m of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) specs.push(t(`text.layers.${l}.attn.${m}.weight`, [4, 4]));
  for (let l = 0; l < 6; l++)
    for (const m of ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2']) specs.push(t(`vision_tower.encoder.layers.${l}.${m}.weight`, [4, 4]));
  await writeSafetensors(join(dir, 'model.safetensors'), specs);
  const model = await openModel(dir);
  assert.equal(model.architecture, 'generic');
  assert.equal(model.layers.length, 2);
  assert.equal(model.layers[1].roles.q?.source.tensor, 'text.layers.1.attn.q_proj.weight');
  assert.ok(model.notes!.some((n) => n.includes("'vision_tower.encoder.layers' looks like a vision or audio tower")));
  // A checkpoint that is only a vision tower still opens with its layers.
  const only = join(root, 'vision-only');
  await mkdir(only);
  await writeSafetensors(join(only, 'model.safetensors'), specs.slice(8));
  assert.equal((await openModel(only)).layers.length, 6);
});
