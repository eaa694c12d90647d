// A base model with its LoRA adapter merged in (model/adapter/merged.ts): each adapted weight reads as
// W + ΔW of test/oracles/lora.py, DoRA as m ⊙ (W + ΔW)/‖W + ΔW‖ per output row, the rest is the
// base's; shapes that disagree name the module. Finding the base (model/adapter/findBase.ts) by path,
// by a folder beside the adapter or in the workspace, and in a Hugging Face cache built here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { findAdapterBase, findBaseModel, isAdapterFolder } from '../../../../../src/analysis/model/adapter/findBase';
import { openModelWithAdapter } from '../../../../../src/analysis/model/adapter/merged';
import { readMatrixKind, readTensorF32 } from '../../../../../src/analysis/model/readRole';
import { adapterTensors, maxRelError, ORACLE, PREFIX, writeAdapter, writeBase } from './loraFixture';

let root = '';
let base = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-lora-merged-'));
  base = await writeBase(join(root, 'tiny-llama-base'));
});
after(() => rm(root, { recursive: true, force: true }));

for (const c of ['plain', 'rslora'] as const) {
  test(`${c}: adapted weights read as W + ΔW, every other tensor as the base's`, async () => {
    const adapter = await writeAdapter(join(root, `a-${c}`), ORACLE.cases[c].config);
    const model = await openModelWithAdapter(base, adapter);
    assert.equal(model.architecture, 'llama');
    for (const m of ORACLE.cases[c].modules) {
      const w = await readMatrixKind(model, m.layer, m.kind);
      assert.ok(maxRelError(w.data, m.merged, 1e-4) < 1e-5, m.module);
      assert.equal(model.tensors.get(`${m.module}.weight`)!.quant!.label, `F32 + LoRA ΔW r${m.rank}`);
    }
    const k = await readMatrixKind(model, 0, 'k');
    assert.deepEqual([...k.data], [...new Float32Array(ORACLE.base['model.layers.0.self_attn.k_proj.weight'].values)]);
    assert.ok(model.notes![0].includes('merged in (W + ΔW) in 6 weights'));
  });
}

test('DoRA: the merged weight is m ⊙ (W + ΔW) / ‖W + ΔW‖ per output row', async () => {
  const d = ORACLE.dora;
  const adapter = await writeAdapter(join(root, 'a-dora'), { ...ORACLE.cases.plain.config, use_dora: true }, [
    ...adapterTensors(),
    { name: `${PREFIX}${d.module}.lora_magnitude_vector`, dtype: 'F32', shape: [d.magnitude.length], values: d.magnitude },
  ]);
  const model = await openModelWithAdapter(base, adapter);
  const e = model.tensors.get(`${d.module}.weight`)!;
  assert.equal(e.quant!.label, 'F32 + DoRA ΔW r4');
  assert.ok(maxRelError(await readTensorF32(model, e.name), d.merged, 1e-4) < 1e-5);
});

test('modules_to_save weights replace the base’s', async () => {
  const head = ORACLE.base['lm_head.weight'];
  const trained = head.values.map((v) => v * 2);
  const adapter = await writeAdapter(join(root, 'a-save'), { ...ORACLE.cases.plain.config, modules_to_save: ['lm_head'] }, [
    ...adapterTensors(),
    { name: `${PREFIX}lm_head.weight`, dtype: 'F32', shape: head.shape, values: trained },
  ]);
  const model = await openModelWithAdapter(base, adapter);
  assert.deepEqual([...(await readTensorF32(model, 'lm_head.weight'))], [...new Float32Array(trained)]);
});

test('an adapter whose ΔW does not fit the base names the module and both shapes', async () => {
  const q = 'model.layers.0.self_attn.q_proj';
  const tensors = adapterTensors().map((t) =>
    t.name === `${PREFIX}${q}.lora_B.weight` ? { ...t, shape: [8, 4], values: (t.values as number[]).slice(0, 32) } : t,
  );
  const adapter = await writeAdapter(join(root, 'a-shape'), ORACLE.cases.plain.config, tensors);
  await assert.rejects(
    openModelWithAdapter(base, adapter),
    (e: Error) => e instanceof ModelFileError && e.message.includes(`LoRA module '${q}': its ΔW is [8, 16] but the base weight '${q}.weight' is [16, 16]`),
  );
  const other = await writeAdapter(join(root, 'a-missing'), ORACLE.cases.plain.config, [
    { name: `${PREFIX}model.layers.5.self_attn.q_proj.lora_A.weight`, dtype: 'F32', shape: [4, 16], values: new Array(64).fill(0.1) },
    { name: `${PREFIX}model.layers.5.self_attn.q_proj.lora_B.weight`, dtype: 'F32', shape: [16, 4], values: new Array(64).fill(0.1) },
  ]);
  await assert.rejects(openModelWithAdapter(base, other), /updates 'model.layers.5.self_attn.q_proj', but the base model has no tensor/);
});

test('findBaseModel: a path, a folder beside the adapter or in the workspace, the hub cache, else null', async () => {
  const adapter = await writeAdapter(join(root, 'find', 'adapter'), ORACLE.cases.plain.config);
  assert.equal(await isAdapterFolder(adapter), true);
  assert.equal(await isAdapterFolder(base), false);
  assert.deepEqual(await findBaseModel(adapter, base), { path: base, how: 'path' });
  // Beside the adapter, by the last part of a repository id.
  const beside = await writeBase(join(root, 'find', 'Tiny-1B'));
  assert.deepEqual(await findBaseModel(adapter, 'org/Tiny-1B', { cacheDir: join(root, 'nocache') }), { path: beside, how: 'folder' });
  // In a workspace folder.
  const ws = join(root, 'ws');
  const inWs = await writeBase(join(ws, 'Other-3B'));
  assert.deepEqual(await findBaseModel(adapter, 'acme/Other-3B', { searchFolders: [ws], cacheDir: join(root, 'nocache') }), { path: inWs, how: 'folder' });
  // The hub cache: models--acme--Cached/snapshots/<rev> with refs/main.
  const hub = join(root, 'hub');
  const rev = 'c'.repeat(40);
  const snap = join(hub, 'models--acme--Cached', 'snapshots', rev);
  await mkdir(snap, { recursive: true });
  await mkdir(join(hub, 'models--acme--Cached', 'refs'), { recursive: true });
  await writeFile(join(hub, 'models--acme--Cached', 'refs', 'main'), rev);
  await symlink(join(base, 'config.json'), join(snap, 'config.json'));
  await symlink(join(base, 'model.safetensors'), join(snap, 'model.safetensors'));
  assert.deepEqual(await findBaseModel(adapter, 'acme/Cached', { cacheDir: hub }), { path: snap, how: 'cache' });
  assert.equal(await findBaseModel(adapter, 'acme/Nowhere', { cacheDir: hub }), null);
  // By the adapter's own config.
  const named = await writeAdapter(join(root, 'find', 'named'), { ...ORACLE.cases.plain.config, base_model_name_or_path: 'acme/Cached' });
  assert.deepEqual(await findAdapterBase(named, { cacheDir: hub }), { name: 'acme/Cached', found: { path: snap, how: 'cache' } });
});
