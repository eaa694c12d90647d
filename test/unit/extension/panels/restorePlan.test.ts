// What a panel restored after a window reload becomes: its stored result on a cache hit, its
// options and a Run button on a miss (never a run), and closed when its state or recipe is not
// one the host issued. The recipe store keeps the newest recipes up to its bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RECIPES, newRestoreId, PanelRecipes, type PanelRecipe, type RecipeMemento } from '../../../../src/extension/panels/panelRecipes';
import { planRestore, snapshotKeyFor } from '../../../../src/extension/panels/restorePlan';
import { clearPanelSnapshotMemory, readPanelSnapshot, writePanelSnapshot, type PanelSnapshot } from '../../../../src/analysis/cache/panelSnapshot';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

class MemoryMemento implements RecipeMemento {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Thenable<void> {
    this.data.set(key, structuredClone(value));
    return Promise.resolve();
  }
}

const recipe: PanelRecipe = { panel: 'similarity', model: '/models/llama', options: { kind: 'up' } };
const snapshot: PanelSnapshot = { result: { pairs: [1, 2] }, seconds: 3, savedAt: 1 };

test('a cache hit restores the stored result, without a run', async () => {
  const asked: PanelRecipe[] = [];
  const plan = await planRestore(
    'similarity',
    { restore: 'abc', view: { index: 'cka' } },
    {
      recipe: (id) => (id === 'abc' ? recipe : undefined),
      snapshot: async (r) => {
        asked.push(r);
        return snapshot;
      },
    },
  );
  assert.deepEqual(plan, { action: 'result', id: 'abc', recipe, snapshot });
  assert.deepEqual(asked, [recipe]);
});

test('a miss (or an unreadable cache) restores the options with a Run button', async () => {
  for (const read of [async () => undefined, async () => Promise.reject(new Error('EACCES'))]) {
    const plan = await planRestore('similarity', { restore: 'abc' }, { recipe: () => recipe, snapshot: read });
    assert.equal(plan.action, 'options');
    assert.ok(plan.action === 'options' && plan.recipe === recipe && /press Run/.test(plan.message));
  }
});

test('a state without a valid restore id, an unknown id or another kind closes the panel', async () => {
  const sources = { recipe: (id: string) => (id === 'abc' ? recipe : undefined), snapshot: async () => snapshot };
  for (const state of [undefined, null, 'abc', {}, { restore: 42 }, { restore: '../../etc/passwd' }, { restore: 'x'.repeat(65) }]) {
    const plan = await planRestore('similarity', state, sources);
    assert.equal(plan.action, 'close', JSON.stringify(state));
  }
  const unknown = await planRestore('similarity', { restore: 'zzz' }, sources);
  assert.ok(unknown.action === 'close' && /no stored recipe/.test(unknown.reason));
  const other = await planRestore('spectra', { restore: 'abc' }, sources);
  assert.ok(other.action === 'close' && /for a similarity panel/.test(other.reason));
});

test('recipes: the newest first, replaced in place, bounded, malformed entries ignored', async () => {
  const memento = new MemoryMemento();
  const store = new PanelRecipes(memento);
  assert.equal(store.get('a'), undefined);
  await store.put('a', recipe);
  await store.put('b', { ...recipe, model: '/models/b', extra: { file: '/p.txt' } });
  assert.deepEqual(store.get('a'), recipe);
  await store.put('a', { ...recipe, options: { kind: 'down' } });
  assert.deepEqual(store.get('a')?.options, { kind: 'down' });
  for (let i = 0; i < MAX_RECIPES + 5; i++) await store.put(`n${i}`, recipe);
  const stored = memento.get<unknown[]>('layerLens.panelRecipes')!;
  assert.equal(stored.length, MAX_RECIPES);
  assert.equal(store.get('a'), undefined, 'the oldest went');
  assert.ok(store.get(`n${MAX_RECIPES + 4}`));
  memento.data.set('layerLens.panelRecipes', [['x', { panel: 1 }], 'junk', ['y', recipe]]);
  assert.equal(store.get('x'), undefined);
  assert.deepEqual(store.get('y'), recipe);
  memento.data.set('layerLens.panelRecipes', 'junk');
  assert.equal(store.get('y'), undefined);
});

test('restore ids are fresh and of the form the webview state check accepts', async () => {
  const ids = new Set(Array.from({ length: 100 }, newRestoreId));
  assert.equal(ids.size, 100);
  for (const id of ids) {
    const plan = await planRestore('similarity', { restore: id }, { recipe: () => recipe, snapshot: async () => undefined });
    assert.equal(plan.action, 'options');
  }
});

test('the panel and the serializer key a result alike; a prompt file or a diff base that changed is a miss', async () => {
  const root = mkdtempSync(join(tmpdir(), 'll-restore-key-'));
  try {
    const model = join(root, 'b.safetensors'),
      base = join(root, 'a.safetensors'),
      prompts = join(root, 'prompts.txt');
    for (const [p, t] of [
      [model, 'B'],
      [base, 'A'],
      [prompts, 'one\n\ntwo'],
    ])
      writeFileSync(p, t);
    const cacheDir = join(root, 'cache');
    const diff: PanelRecipe = { panel: 'diff', model, options: {}, extra: { pathA: base } };
    const activation: PanelRecipe = { panel: 'activation', model, options: { perDomain: 2 }, extra: { file: prompts, title: 'Parameter activation' } };
    assert.deepEqual(snapshotKeyFor(diff).models, [model, base]);
    assert.deepEqual(snapshotKeyFor(activation).models, [model, prompts]);
    for (const r of [diff, activation]) await writePanelSnapshot(cacheDir, snapshotKeyFor(r), snapshot);
    const read = (r: PanelRecipe) =>
      planRestore(r.panel, { restore: 'id' }, { recipe: () => r, snapshot: (x) => readPanelSnapshot(cacheDir, snapshotKeyFor(x)) });
    assert.equal((await read(diff)).action, 'result');
    assert.equal((await read(activation)).action, 'result');
    // The same options with another selection are another result.
    assert.equal((await read({ ...activation, extra: { ...activation.extra, selection: 'other text' } })).action, 'options');
    clearPanelSnapshotMemory();
    writeFileSync(prompts, 'one\n\ntwo\n\nthree');
    writeFileSync(base, 'A, fine-tuned');
    assert.equal((await read(activation)).action, 'options');
    assert.equal((await read(diff)).action, 'options');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
