// The Models view's data (src/extension/views/modelsTree.ts) from a Hugging Face cache built here
// the way huggingface_hub lays it out (listCachedModels, hfCache.ts): workspace folders and cached
// repositories, one entry per repository with a single snapshot, one per revision otherwise, each
// opening its snapshot folder; an empty or absent cache says where it looked. And the manifest
// declares the view and the Refresh command that modelsView.ts registers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCachedModels } from '../../../../src/analysis/model/hfCache';
import { modelDisplayName, modelsTree, type ModelsNode } from '../../../../src/extension/views/modelsTree';
import { REPO_ROOT } from '../../../paths';

let root = '';
let hub = '';
const REV1 = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const REV2 = '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const REV3 = '3333333ccccccccccccccccccccccccccccccccc';

async function snapshot(repo: string, rev: string, weights: string[], when: number): Promise<void> {
  const snap = join(hub, repo, 'snapshots', rev);
  await mkdir(snap, { recursive: true });
  await mkdir(join(hub, repo, 'blobs'), { recursive: true });
  for (const name of ['config.json', ...weights]) {
    const blob = join(hub, repo, 'blobs', `${rev}-${name}`);
    await writeFile(blob, name === 'config.json' ? '{}' : 'x');
    await symlink(join('..', '..', 'blobs', `${rev}-${name}`), join(snap, name));
  }
  await utimes(snap, when, when);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-modelsview-'));
  hub = join(root, 'home', '.cache', 'huggingface', 'hub');
  await snapshot('models--Qwen--Qwen3-0.6B', REV1, ['model.safetensors'], 1000);
  await snapshot(
    'models--meta-llama--Llama-3.2-1B',
    REV2,
    ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json'],
    2000,
  );
  await snapshot(
    'models--meta-llama--Llama-3.2-1B',
    REV3,
    ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json'],
    3000,
  );
  await mkdir(join(hub, 'models--meta-llama--Llama-3.2-1B', 'refs'), { recursive: true });
  await writeFile(join(hub, 'models--meta-llama--Llama-3.2-1B', 'refs', 'main'), REV2);
});
after(() => rm(root, { recursive: true, force: true }));

/** Labels and what each entry opens, indented by depth. */
function outline(nodes: ModelsNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [
    `${'  '.repeat(depth)}${n.label}${n.description ? ` — ${n.description}` : ''}${n.open ? ` → ${n.open}` : ''}`,
    ...outline(n.children ?? [], depth + 1),
  ]);
}

test('workspace folders and cached models, each entry opening its folder', async () => {
  const cached = await listCachedModels(hub);
  const ws = join(root, 'ws');
  const tree = modelsTree({
    workspaceFolders: [join(ws, 'runs', 'ft-1'), join(root, 'elsewhere', 'model')],
    workspaceRoots: [ws],
    cacheDir: hub,
    cached,
    home: join(root, 'home'),
  });
  const llama = join(hub, 'models--meta-llama--Llama-3.2-1B', 'snapshots');
  assert.deepEqual(outline(tree), [
    'Workspace',
    `  ft-1 — runs → ${join(ws, 'runs', 'ft-1')}`,
    `  model — ${join(root, 'elsewhere')} → ${join(root, 'elsewhere', 'model')}`,
    'Hugging Face cache — ~/.cache/huggingface/hub',
    '  Qwen/Qwen3-0.6B — 1 file → ' + join(hub, 'models--Qwen--Qwen3-0.6B', 'snapshots', REV1),
    '  meta-llama/Llama-3.2-1B — 2 revisions',
    `    main — 2222222 · 2 files → ${join(llama, REV2)}`,
    `    3333333 — 2 files → ${join(llama, REV3)}`,
  ]);
  // Ids are unique and stable, so the tree keeps what the user expanded across refreshes.
  const ids = (ns: ModelsNode[]): string[] => ns.flatMap((n) => [n.id, ...ids(n.children ?? [])]);
  assert.equal(new Set(ids(tree)).size, ids(tree).length);
});

test('nothing found: each section says so, the cache section where it looked', async () => {
  const missing = join(root, 'nowhere', 'hub');
  const tree = modelsTree({ workspaceFolders: [], workspaceRoots: [], cacheDir: missing, cached: await listCachedModels(missing) });
  assert.deepEqual(outline(tree), ['Workspace', '  No model folders', `Hugging Face cache — ${missing}`, `  No models in the cache — ${missing}`]);
  assert.match(tree[1].children![0].tooltip!, /HF_HUB_CACHE, else HF_HOME\/hub, else ~\/\.cache\/huggingface\/hub/);
  assert.ok(tree.every((s) => s.children!.every((c) => c.open === undefined)));
});

test('a cache snapshot is titled by its repository and short commit, anything else by its name', () => {
  const snap = join(hub, 'models--meta-llama--Llama-3.2-1B', 'snapshots', REV2);
  assert.equal(modelDisplayName(snap), 'meta-llama/Llama-3.2-1B @ 2222222');
  assert.equal(modelDisplayName(join(snap, 'model-00001-of-00002.safetensors')), 'model-00001-of-00002.safetensors');
  assert.equal(modelDisplayName(join(root, 'runs', 'ft-1')), 'ft-1');
});

test('package.json declares the view and its Refresh command, with the ids modelsView.ts registers', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const source = readFileSync(join(REPO_ROOT, 'src', 'extension', 'views', 'modelsView.ts'), 'utf8');
  const view = manifest.contributes.views.explorer.find((v: { id: string }) => v.id === 'layerLens.models');
  assert.equal(view?.name, 'Models');
  assert.ok(manifest.contributes.commands.some((c: { command: string }) => c.command === 'layerLens.refreshModels'));
  assert.ok(
    manifest.contributes.menus['view/title'].some(
      (m: { command: string; when: string }) => m.command === 'layerLens.refreshModels' && m.when === 'view == layerLens.models',
    ),
  );
  assert.match(source, /MODELS_VIEW_ID = 'layerLens\.models'/);
  assert.match(source, /REFRESH_MODELS_COMMAND = 'layerLens\.refreshModels'/);
  // A click opens through the existing command, which checks the folder (activeModel.ts checkModelUri).
  assert.match(source, /command: 'layerLens\.openModelFolder'/);
});
