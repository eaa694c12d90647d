// The Hugging Face hub cache (src/analysis/model/hfCache.ts): where it is (huggingface_hub
// constants.py's order of HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, ~), which
// models a cache folder built here the way file_download.py writes it (blobs named by hash,
// snapshots of relative symlinks, refs/) holds, and opening a snapshot: its symlinks are followed
// into blobs/, the decoded matrices equal the fixture's sources, and any file whose link leaves the
// repository's folder is refused while a plain model folder keeps following its links.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { cacheLocationOf, hubCacheDir, isAdapterListing, isModelListing, listCachedModels, repoIdOfFolder } from '../../../../src/analysis/model/hfCache';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readRoleMatrix } from '../../../../src/analysis/model/readRole';
import { writeFixtureModel, type FixtureModel } from '../../../fixtures/makeModel';

const REV_A = 'a'.repeat(40);
const REV_B = '0123456789abcdef0123456789abcdef01234567';
const REV_PR = 'fedcba9876543210fedcba9876543210fedcba98';

let root = '';
let hub = '';
let fx: FixtureModel;

/** Moves every file of `src` into `<repo>/blobs/<sha256>` and links `<repo>/snapshots/<rev>/<name>` to it, as hf_hub_download does. */
async function cacheRepo(repoFolder: string, rev: string, src: string, names: string[]): Promise<string> {
  const snapshot = join(repoFolder, 'snapshots', rev);
  await mkdir(snapshot, { recursive: true });
  await mkdir(join(repoFolder, 'blobs'), { recursive: true });
  for (const name of names) {
    const bytes = new Uint8Array(await readFile(join(src, name)));
    const blob = join(repoFolder, 'blobs', createHash('sha256').update(bytes).digest('hex'));
    await writeFile(blob, bytes);
    await symlink(relative(snapshot, blob), join(snapshot, name));
  }
  return snapshot;
}

async function setRef(repoFolder: string, ref: string, rev: string): Promise<void> {
  await mkdir(join(repoFolder, 'refs', ...ref.split('/').slice(0, -1)), { recursive: true });
  await writeFile(join(repoFolder, 'refs', ref), rev);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-hfcache-'));
  hub = join(root, 'hub');
  fx = await writeFixtureModel(join(root, 'src-tiny'), { arch: 'llama', layers: 3, shards: 3, seed: 11 });
  const names = ['config.json', 'model.safetensors.index.json', ...fx.files.map((f) => basename(f))];
  // org/tiny-llama: two snapshots, main and an older one, plus a PR ref.
  const tiny = join(hub, 'models--org--tiny-llama');
  await cacheRepo(tiny, REV_A, fx.dir, names);
  await cacheRepo(tiny, REV_PR, fx.dir, names);
  await setRef(tiny, 'main', REV_A);
  await setRef(tiny, 'pr/1', REV_PR);
  // solo-user/single: one unsharded snapshot.
  const single = await writeFixtureModel(join(root, 'src-single'), { arch: 'gpt2', layers: 2 });
  await cacheRepo(join(hub, 'models--solo-user--single'), REV_B, single.dir, ['config.json', 'model.safetensors']);
  await setRef(join(hub, 'models--solo-user--single'), 'main', REV_B);
  // Not listed: a dataset, a model with only pytorch_model.bin, a repo with no snapshots yet, stray files.
  await mkdir(join(hub, 'datasets--org--data', 'snapshots', REV_B), { recursive: true });
  await writeFile(join(hub, 'datasets--org--data', 'snapshots', REV_B, 'config.json'), '{}');
  await mkdir(join(hub, 'models--org--bin-only', 'snapshots', REV_B), { recursive: true });
  await writeFile(join(hub, 'models--org--bin-only', 'snapshots', REV_B, 'config.json'), '{}');
  await writeFile(join(hub, 'models--org--bin-only', 'snapshots', REV_B, 'pytorch_model.bin'), 'x');
  await mkdir(join(hub, 'models--org--downloading', 'blobs'), { recursive: true });
  await writeFile(join(hub, 'version.txt'), '1');
});
after(() => rm(root, { recursive: true, force: true }));

test('the cache folder follows huggingface_hub constants.py', () => {
  const home = '/home/u';
  assert.equal(hubCacheDir({}, home), '/home/u/.cache/huggingface/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/xdg' }, home), '/xdg/huggingface/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/xdg', HF_HOME: '~/hf' }, home), '/home/u/hf/hub');
  assert.equal(hubCacheDir({ HF_HOME: '/data/hf', HUGGINGFACE_HUB_CACHE: '/legacy' }, home), '/legacy');
  // os.path.expandvars keeps unset variables as written.
  assert.equal(hubCacheDir({ HF_HOME: '/data/hf', HUGGINGFACE_HUB_CACHE: '/legacy', HF_HUB_CACHE: '/x/$SCRATCH/hub' }, home), '/x/$SCRATCH/hub');
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '$SCRATCH/hub', SCRATCH: '/scratch' }, home), '/scratch/hub');
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '${SCRATCH}/x', SCRATCH: '/s' }, home), '/s/x');
  assert.equal(hubCacheDir({ HF_HOME: '' }, home), '/home/u/.cache/huggingface/hub');
});

test('repository folder names and cache locations', () => {
  assert.equal(repoIdOfFolder('models--meta-llama--Llama-3.1-8B'), 'meta-llama/Llama-3.1-8B');
  assert.equal(repoIdOfFolder('models--gpt2'), 'gpt2');
  for (const n of ['datasets--org--x', 'spaces--a--b', 'models--', 'models--org--', 'version.txt']) assert.equal(repoIdOfFolder(n), null, n);
  const file = join(hub, 'models--org--tiny-llama', 'snapshots', REV_A, 'model-00001-of-00003.safetensors');
  assert.deepEqual(cacheLocationOf(file), {
    repoFolder: join(hub, 'models--org--tiny-llama'),
    repoId: 'org/tiny-llama',
    snapshot: join(hub, 'models--org--tiny-llama', 'snapshots', REV_A),
    revision: REV_A,
  });
  assert.equal(cacheLocationOf(fx.dir), null);
});

test('listCachedModels lists the model snapshots, main first, and nothing else', async () => {
  const models = await listCachedModels(hub);
  assert.deepEqual(
    models.map((m) => ({ repoId: m.repoId, folder: m.folder, snapshots: m.snapshots.map(({ modifiedMs: _, ...s }) => s) })),
    [
      {
        repoId: 'org/tiny-llama',
        folder: join(hub, 'models--org--tiny-llama'),
        snapshots: [
          { revision: REV_A, path: join(hub, 'models--org--tiny-llama', 'snapshots', REV_A), refs: ['main'], weightFiles: 3 },
          { revision: REV_PR, path: join(hub, 'models--org--tiny-llama', 'snapshots', REV_PR), refs: ['pr/1'], weightFiles: 3 },
        ],
      },
      {
        repoId: 'solo-user/single',
        folder: join(hub, 'models--solo-user--single'),
        snapshots: [{ revision: REV_B, path: join(hub, 'models--solo-user--single', 'snapshots', REV_B), refs: ['main'], weightFiles: 1 }],
      },
    ],
  );
  assert.deepEqual(await listCachedModels(join(root, 'no-such-cache')), []);
});

test('a snapshot opens through its symlinks into blobs/, folder and shard alike', async () => {
  const snapshot = join(hub, 'models--org--tiny-llama', 'snapshots', REV_A);
  const model = await openModel(snapshot);
  assert.equal(model.kind, 'folder');
  assert.equal(model.layers.length, 3);
  assert.equal(model.files.length, 3);
  for (let l = 0; l < 3; l++) assert.deepEqual((await readRoleMatrix(model, l, 'v')).data, fx.source[l].v!.data);
  const fromShard = await openModel(join(snapshot, 'model-00003-of-00003.safetensors'));
  assert.equal(fromShard.path, snapshot);
  assert.deepEqual(fromShard.files, model.files);
  assert.deepEqual((await readRoleMatrix(fromShard, 0, 'gate')).data, fx.source[0].gate!.data);
});

test('a snapshot file whose symlink leaves its repository folder is refused, naming it', async () => {
  const repo = join(hub, 'models--evil--model');
  const snapshot = await cacheRepo(repo, REV_B, fx.dir, [
    'config.json',
    'model.safetensors.index.json',
    'model-00001-of-00003.safetensors',
    'model-00002-of-00003.safetensors',
  ]);
  // The third shard points into another repository's blobs: inside the cache, outside this repository.
  const otherBlob = (await listCachedModels(hub)).find((m) => m.repoId === 'org/tiny-llama')!.folder;
  const target = join(otherBlob, 'snapshots', REV_A, 'model-00003-of-00003.safetensors');
  await symlink(target, join(snapshot, 'model-00003-of-00003.safetensors'));
  const refused =
    /^ModelFileError: model-00003-of-00003\.safetensors in the Hugging Face cache snapshot of evil\/model links to .*models--org--tiny-llama\/blobs\/[0-9a-f]{64}, outside the repository's cache folder models--evil--model; refusing to read it$/;
  await assert.rejects(openModel(snapshot), refused);
  await assert.rejects(openModel(join(snapshot, 'model-00001-of-00003.safetensors')), refused);
  await assert.rejects(openModel(join(snapshot, 'model-00003-of-00003.safetensors')), refused);
});

test('a snapshot whose config.json or tokenizer links outside is refused before it is read', async () => {
  const outside = join(root, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'config.json'), JSON.stringify(fx.config));
  await writeFile(join(outside, 'tokenizer.json'), '{}');
  for (const [rev, name] of [
    ['1'.repeat(40), 'config.json'],
    ['2'.repeat(40), 'tokenizer.json'],
  ]) {
    const repo = join(hub, `models--evil--${name.replace('.', '-')}`);
    const keep = ['model.safetensors.index.json', ...fx.files.map((f) => basename(f)), ...(name === 'config.json' ? [] : ['config.json'])];
    const snapshot = await cacheRepo(repo, rev, fx.dir, keep);
    await symlink(join(outside, name), join(snapshot, name));
    await assert.rejects(
      openModel(snapshot),
      new RegExp(
        `^ModelFileError: ${name.replace('.', '\\.')} in the Hugging Face cache snapshot of evil/${name.replace('.', '-')} links to ${outside}/${name}`,
      ),
    );
  }
});

test('a cache reached through a symlinked folder still opens; a plain model folder keeps following its links', async () => {
  const linkedHome = join(root, 'linked-hub');
  await symlink(hub, linkedHome);
  const model = await openModel(join(linkedHome, 'models--solo-user--single', 'snapshots', REV_B));
  assert.equal(model.architecture, 'gpt2');
  // Outside the cache the rule is the old one: names in the folder, links followed wherever they go.
  const plain = join(root, 'plain');
  await mkdir(plain);
  await symlink(join(fx.dir, 'config.json'), join(plain, 'config.json'));
  for (const f of [...fx.files, join(fx.dir, 'model.safetensors.index.json')]) await symlink(f, join(plain, basename(f)));
  assert.equal((await openModel(plain)).layers.length, 3);
});

test('a snapshot moved out of the cache, its relative links now broken, says which link is broken', async () => {
  const moved = join(root, 'moved-snapshot');
  await rename(join(hub, 'models--org--tiny-llama', 'snapshots', REV_PR), moved);
  // Its relative links now point nowhere: the reader says so rather than quoting errno.
  await assert.rejects(
    openModel(moved),
    /^ModelFileError: model-00001-of-00003\.safetensors is a symbolic link to \.\.\/\.\.\/blobs\/[0-9a-f]{64}, which does not exist$/,
  );
});

test('folder listings: a model is config.json with safetensors weights or an index; a PEFT adapter is adapter_config.json with its weights', () => {
  assert.equal(isModelListing(['config.json', 'model.safetensors']), true);
  assert.equal(isModelListing(['config.json', 'model.safetensors.index.json']), true);
  assert.equal(isModelListing(['config.json', 'pytorch_model.bin']), false);
  assert.equal(isAdapterListing(['adapter_config.json', 'adapter_model.safetensors', 'README.md']), true);
  assert.equal(isAdapterListing(['adapter_config.json', 'adapter_model.bin']), false);
  assert.equal(isAdapterListing(['adapter_model.safetensors']), false);
  assert.equal(isModelListing(['adapter_config.json', 'adapter_model.safetensors']), false);
});
