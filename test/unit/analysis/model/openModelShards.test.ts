// One shard opened alone (src/analysis/io/shardOf.ts, openModel.ts): through the folder's index it
// gives the whole model — files, layers, roles, tensors and decoded matrices equal to opening the
// folder, and the same through the built CLI — with a note naming the shard; a shard no index lists
// opens alone with a note that says so; a damaged index fails as it does for the folder; an index of
// another prefix (`consolidated.safetensors.index.json`) is followed too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile, copyFile, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseShardName } from '../../../../src/analysis/io/shardOf';
import { openModel } from '../../../../src/analysis/model/openModel';
import { ModelCache } from '../../../../src/analysis/worker/modelCache';
import { readRoleMatrix } from '../../../../src/analysis/model/readRole';
import type { ModelHandle } from '../../../../src/analysis/model/types';
import { writeFixtureModel, type FixtureModel } from '../../../fixtures/makeModel';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { ensureBuilt, run } from '../cli/cliHarness';

let root = '';
let fx: FixtureModel;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-shards-'));
  fx = await writeFixtureModel(join(root, 'llama4'), { arch: 'llama', layers: 4, shards: 4, seed: 7 });
});
after(() => rm(root, { recursive: true, force: true }));

/** What two handles must share to be "the same model". */
function shape(m: ModelHandle) {
  return {
    path: m.path,
    kind: m.kind,
    files: m.files,
    architecture: m.architecture,
    attention: m.attention,
    layers: m.layers,
    otherRoles: [...m.otherRoles],
    tensors: [...m.tensors.values()].map(({ fileStamp: _, ...t }) => t),
  };
}

test('shard names: the huggingface_hub pattern, five- and six-digit counts, other prefixes', () => {
  assert.deepEqual(parseShardName('model-00002-of-00004.safetensors'), { prefix: 'model', shard: 2, total: 4, indexName: 'model.safetensors.index.json' });
  assert.deepEqual(parseShardName('model-00001-of-000163.safetensors'), { prefix: 'model', shard: 1, total: 163, indexName: 'model.safetensors.index.json' });
  assert.equal(parseShardName('diffusion_pytorch_model-00003-of-00003.safetensors')?.indexName, 'diffusion_pytorch_model.safetensors.index.json');
  for (const n of ['model.safetensors', 'model-2-of-4.safetensors', 'model-00002-of-00004.bin', 'consolidated.00.safetensors'])
    assert.equal(parseShardName(n), null, n);
});

test('each shard of a 4-shard folder opens the whole model, equal to opening the folder', async () => {
  const folder = await openModel(fx.dir);
  assert.equal(folder.files.length, 4);
  assert.equal(folder.layers.length, 4);
  for (let s = 0; s < 4; s++) {
    const shard = await openModel(fx.files[s]);
    assert.deepEqual(shape(shard), shape(folder), `shard ${s + 1}`);
    assert.equal(shard.notes![0], `Opened ${basename(fx.files[s])}, shard ${s + 1} of 4: showing the whole model from model.safetensors.index.json (4 files).`);
    assert.ok(!folder.notes!.some((n) => /shard/.test(n)));
  }
  // Matrices from every layer, including those stored in other shards, decode to the source values.
  const fromShard = await openModel(fx.files[1]);
  for (let l = 0; l < 4; l++) {
    for (const role of ['q', 'k', 'down'] as const)
      assert.deepEqual((await readRoleMatrix(fromShard, l, role)).data, fx.source[l][role]!.data, `layer ${l} ${role}`);
  }
});

test('a shard whose folder has no index opens alone, with a note that says so', async () => {
  const dir = join(root, 'no-index');
  await mkdir(dir);
  for (const f of fx.files) await copyFile(f, join(dir, basename(f)));
  await copyFile(join(fx.dir, 'config.json'), join(dir, 'config.json'));
  const m = await openModel(join(dir, 'model-00002-of-00004.safetensors'));
  assert.equal(m.kind, 'file');
  assert.deepEqual(m.files, [join(dir, 'model-00002-of-00004.safetensors')]);
  const written = JSON.parse(await readFile(join(fx.dir, 'model.safetensors.index.json'), 'utf8')).weight_map as Record<string, string>;
  const inShard2 = Object.keys(written).filter((k) => written[k] === 'model-00002-of-00004.safetensors');
  assert.deepEqual([...m.tensors.keys()].sort(), inShard2.sort());
  assert.equal(
    m.notes![0],
    "model-00002-of-00004.safetensors is shard 2 of 4, but its folder has no model.safetensors.index.json listing it: only this shard's tensors are shown, and analyses see only them.",
  );
});

test('a shard the index does not list opens alone with the same note; an unsharded name gets none', async () => {
  const stray = join(fx.dir, 'model-00005-of-00005.safetensors');
  await writeSafetensors(stray, [{ name: 'extra.weight', dtype: 'F32', shape: [2], values: [1, 2] }]);
  try {
    const m = await openModel(stray);
    assert.deepEqual([...m.tensors.keys()], ['extra.weight']);
    assert.match(m.notes![0], /is shard 5 of 5, but its folder has no model\.safetensors\.index\.json listing it/);
  } finally {
    await unlink(stray);
  }
  const single = await writeFixtureModel(join(root, 'single'), { arch: 'llama', layers: 2 });
  const m = await openModel(single.files[0]);
  assert.equal(m.kind, 'file');
  assert.ok(!m.notes!.some((n) => /shard/.test(n)));
});

test("a shard's damaged index fails the way the folder's does, never a silent half model", async () => {
  const dir = join(root, 'bad-index');
  const bad = await writeFixtureModel(dir, { arch: 'llama', layers: 2, shards: 2 });
  const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
  index.weight_map['model.norm.weight'] = 'model-00003-of-00002.safetensors';
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  const message = /shard "model-00003-of-00002\.safetensors" is listed but missing from the model folder/;
  await assert.rejects(openModel(dir), message);
  await assert.rejects(openModel(bad.files[0]), message);
  // A file beside the shards that is not one of them is its own model, damaged index or not.
  await writeSafetensors(join(dir, 'consolidated.safetensors'), [{ name: 'w', dtype: 'F32', shape: [2], values: [1, 2] }]);
  const alone = await openModel(join(dir, 'consolidated.safetensors'));
  assert.deepEqual([...alone.tensors.keys()], ['w']);
  assert.match(
    alone.notes![0],
    /^model\.safetensors\.index\.json in this folder could not be read \(.*listed but missing.*\); consolidated\.safetensors is shown alone\.$/,
  );
});

test('shards of another prefix follow their own index and keep the file as the opened path', async () => {
  const dir = join(root, 'consolidated');
  await mkdir(dir);
  await writeSafetensors(join(dir, 'consolidated-00001-of-00002.safetensors'), [{ name: 'layers.0.w', dtype: 'F32', shape: [2], values: [1, 2] }]);
  await writeSafetensors(join(dir, 'consolidated-00002-of-00002.safetensors'), [{ name: 'layers.1.w', dtype: 'F32', shape: [2], values: [3, 4] }]);
  await writeFile(
    join(dir, 'consolidated.safetensors.index.json'),
    JSON.stringify({ weight_map: { 'layers.0.w': 'consolidated-00001-of-00002.safetensors', 'layers.1.w': 'consolidated-00002-of-00002.safetensors' } }),
  );
  const m = await openModel(join(dir, 'consolidated-00002-of-00002.safetensors'));
  assert.equal(m.kind, 'file');
  assert.equal(m.path, join(dir, 'consolidated-00002-of-00002.safetensors'));
  assert.deepEqual([...m.tensors.keys()].sort(), ['layers.0.w', 'layers.1.w']);
  assert.match(m.notes![0], /shard 2 of 2: showing the whole model from consolidated\.safetensors\.index\.json/);
});

test('the built CLI: `inspect <shard>` reports the whole model, as `inspect <folder>` does', () => {
  ensureBuilt();
  const folder = run('inspect', fx.dir, '--json');
  const shard = run('inspect', fx.files[2], '--json');
  assert.equal(folder.code, 0, folder.stderr);
  assert.equal(shard.code, 0, shard.stderr);
  const a = JSON.parse(folder.stdout);
  const b = JSON.parse(shard.stdout);
  assert.equal(b.fileCount, 4);
  assert.equal(b.layerCount, 4);
  assert.equal(b.tensorCount, fx.tensors.size);
  assert.equal(b.notes[0], 'Opened model-00003-of-00004.safetensors, shard 3 of 4: showing the whole model from model.safetensors.index.json (4 files).');
  assert.deepEqual({ ...b, notes: b.notes.slice(1) }, a);
  const text = run('inspect', fx.files[2]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /note: Opened model-00003-of-00004\.safetensors, shard 3 of 4/);
});

test("the worker's open-model cache, asked for a shard, re-opens when another shard or config.json changes", async () => {
  const dir = join(root, 'live');
  const live = await writeFixtureModel(dir, { arch: 'llama', layers: 2, shards: 3, seed: 3 });
  let opens = 0;
  const cache = new ModelCache((p) => (opens++, openModel(p)));
  const h1 = await cache.get(live.files[0]);
  assert.equal(await cache.get(live.files[0]), h1);
  assert.equal(opens, 1);
  // Another shard rewritten (same bytes, new times): the handle describing it is stale.
  const bytes = await readFile(live.files[2]);
  await writeFile(live.files[2], new Uint8Array(bytes));
  const h2 = await cache.get(live.files[0]);
  assert.notEqual(h2, h1);
  // config.json edited: the roles may change.
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...live.config, rms_norm_eps: 1e-6 }));
  assert.notEqual(await cache.get(live.files[0]), h2);
  assert.equal(opens, 3);
});

test("every shard's __metadata__ is read: a tied-weight alias in the second shard is found, the first shard wins a disagreement", async () => {
  const dir = join(root, 'meta-in-shard-2');
  await mkdir(dir);
  const t = (name: string) => ({ name, dtype: 'F32' as const, shape: [2, 2], bytes: new Uint8Array(16) });
  const files = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  await writeSafetensors(join(dir, files[0]), [t('model.layers.0.self_attn.q_proj.weight')], { format: 'pt', note: 'first' });
  await writeSafetensors(join(dir, files[1]), [t('lm_head.weight')], { format: 'pt', note: 'second', 'model.embed_tokens.weight': 'lm_head.weight' });
  const weight_map = { 'model.layers.0.self_attn.q_proj.weight': files[0], 'lm_head.weight': files[1] };
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map }));
  for (const opened of [dir, join(dir, files[1])]) {
    const m = await openModel(opened);
    assert.deepEqual(m.metadata, { format: 'pt', note: 'first', 'model.embed_tokens.weight': 'lm_head.weight' }, opened);
  }
});
