// The LoRA adapter and training-timeline panels after a window reload: their recipes survive the
// store, the restore plan finds the stored result while the adapter, its base and every checkpoint
// are unchanged (and offers a run once any of them changed), the timeline's recipe is checked
// before use, and every restorable kind has the activation event VS Code needs to hand it back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PanelRecipes, type PanelRecipe, type RecipeMemento } from '../../../../src/extension/panels/panelRecipes';
import { planRestore, snapshotKeyFor } from '../../../../src/extension/panels/restorePlan';
import { clearPanelSnapshotMemory, readPanelSnapshot, writePanelSnapshot, type PanelSnapshot } from '../../../../src/analysis/cache/panelSnapshot';
import { timelineFromRecipe, timelineRecipeExtra } from '../../../../src/extension/timeline/timelineRecipe';
import { parseAdapterOptions } from '../../../../src/analysis/methods/adapter/options';
import { REPO_ROOT } from '../../../paths';

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

const snapshot: PanelSnapshot = { result: { layers: [1, 2] }, seconds: 2, savedAt: 1 };

/** Stores the recipe, reads it back by id and plans its restore against the on-disk snapshots. */
async function roundTrip(recipe: PanelRecipe, cacheDir: string) {
  const store = new PanelRecipes(new MemoryMemento());
  await store.put('rid', recipe);
  clearPanelSnapshotMemory();
  return planRestore(recipe.panel, { restore: 'rid' }, { recipe: (id) => store.get(id), snapshot: (r) => readPanelSnapshot(cacheDir, snapshotKeyFor(r)) });
}

test('adapter: the host-chosen base comes back from the recipe; a changed base or adapter is a miss', async () => {
  const root = mkdtempSync(join(tmpdir(), 'll-restore-adapter-'));
  try {
    const adapter = join(root, 'lora'),
      base = join(root, 'base.safetensors');
    mkdirSync(adapter);
    writeFileSync(join(adapter, 'adapter_config.json'), '{"r": 8}');
    writeFileSync(join(adapter, 'adapter_model.safetensors'), 'A');
    writeFileSync(base, 'W');
    const cacheDir = join(root, 'cache');
    // What analyzeAdapter keeps: the options of the run and, as extra, the base the host fixed.
    const recipe: PanelRecipe = { panel: 'adapter', model: adapter, options: { base }, extra: { base } };
    assert.deepEqual(snapshotKeyFor(recipe).models, [adapter, base]);
    await writePanelSnapshot(cacheDir, snapshotKeyFor(recipe), snapshot);
    const plan = await roundTrip(recipe, cacheDir);
    assert.equal(plan.action, 'result');
    assert.ok(plan.action === 'result' && plan.recipe.panel === 'adapter');
    // The reopener takes the base from the host's extra, never from the options a panel sent.
    assert.deepEqual(parseAdapterOptions(plan.action === 'result' ? plan.recipe.extra : undefined), { base });
    const sent: PanelRecipe = { ...recipe, options: { base: '/elsewhere/model.safetensors' } };
    assert.deepEqual(parseAdapterOptions(sent.extra), { base });
    // Without a base (ΔW alone) the choice round-trips as well.
    const alone: PanelRecipe = { panel: 'adapter', model: adapter, options: { findBase: false }, extra: { findBase: false } };
    assert.deepEqual(snapshotKeyFor(alone).models, [adapter]);
    assert.equal((await roundTrip(alone, cacheDir)).action, 'options');
    await writePanelSnapshot(cacheDir, snapshotKeyFor(alone), snapshot);
    assert.equal((await roundTrip(alone, cacheDir)).action, 'result');
    writeFileSync(base, 'W, another base');
    assert.equal((await roundTrip(recipe, cacheDir)).action, 'options', 'the base changed');
    assert.equal((await roundTrip(alone, cacheDir)).action, 'result', 'the base-less result does not read the base');
    writeFileSync(join(adapter, 'adapter_model.safetensors'), 'A, retrained');
    assert.equal((await roundTrip(alone, cacheDir)).action, 'options', 'the adapter changed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('timeline: the run folder, its checkpoints and the left-out ones come back; a rewritten checkpoint is a miss', async () => {
  const root = mkdtempSync(join(tmpdir(), 'll-restore-timeline-'));
  try {
    const run = join(root, 'run');
    const ckpt = (step: number) => join(run, `checkpoint-${step}`);
    for (const step of [100, 200, 300]) {
      mkdirSync(ckpt(step), { recursive: true });
      writeFileSync(join(ckpt(step), 'config.json'), '{}');
      writeFileSync(join(ckpt(step), 'model.safetensors'), `weights ${step}`);
    }
    const cacheDir = join(root, 'cache');
    const options = {
      checkpoints: [
        { path: ckpt(100), step: 100, unit: 'step', name: 'checkpoint-100' },
        { path: ckpt(300), step: 300, unit: 'step', name: 'checkpoint-300' },
      ],
      metrics: ['alpha'],
    };
    const recipe: PanelRecipe = { panel: 'timeline', model: run, options, extra: timelineRecipeExtra([ckpt(200)]) };
    assert.deepEqual(snapshotKeyFor(recipe).models, [run, ckpt(100), ckpt(300)]);
    await writePanelSnapshot(cacheDir, snapshotKeyFor(recipe), snapshot);
    const plan = await roundTrip(recipe, cacheDir);
    assert.equal(plan.action, 'result');
    const back = timelineFromRecipe(plan.action === 'result' ? plan.recipe : recipe);
    assert.deepEqual(back, { runDir: run, options, left: [ckpt(200)] });
    // The left-out checkpoint is not part of the result: changing it keeps the hit.
    writeFileSync(join(ckpt(200), 'model.safetensors'), 'weights 200, rewritten');
    assert.equal((await roundTrip(recipe, cacheDir)).action, 'result');
    // A checkpoint added while watching is another result.
    const grown: PanelRecipe = { ...recipe, options: { ...options, checkpoints: [...options.checkpoints, { path: ckpt(200), step: 200 }] } };
    assert.equal((await roundTrip(grown, cacheDir)).action, 'options');
    writeFileSync(join(ckpt(300), 'model.safetensors'), 'weights 300, rewritten');
    assert.equal((await roundTrip(recipe, cacheDir)).action, 'options', 'a checkpoint on the timeline changed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a timeline recipe is checked: checkpoints inside its run folder, well-formed options and left-out list', () => {
  const run = '/data/run';
  const ok: PanelRecipe = { panel: 'timeline', model: run, options: { checkpoints: [{ path: '/data/run/checkpoint-1', step: 1 }] } };
  assert.deepEqual(timelineFromRecipe(ok).left, []);
  assert.throws(
    () => timelineFromRecipe({ ...ok, options: { checkpoints: [{ path: '/data/other/checkpoint-1', step: 1 }] } }),
    /\/data\/other\/checkpoint-1, which is not inside its run folder \/data\/run/,
  );
  assert.throws(() => timelineFromRecipe({ ...ok, options: { checkpoints: [{ path: '/data/run', step: 1 }] } }), /not inside its run folder/);
  assert.throws(() => timelineFromRecipe({ ...ok, options: { checkpoints: [] } }), /checkpoints/);
  assert.throws(() => timelineFromRecipe({ ...ok, extra: { left: [3] } }), /left-out checkpoints are not a list of paths/);
});

test('every panel kind with a reopener has its onWebviewPanel activation event', () => {
  const kinds = readFileSync(join(REPO_ROOT, 'src/extension/commands/panelKinds.ts'), 'utf8');
  const table = kinds.slice(kinds.indexOf('export const panelReopeners'));
  const names = [...table.matchAll(/^ {2}(\w+): \(ctx, r\)/gm)].map((m) => m[1]);
  assert.ok(names.includes('adapter') && names.includes('timeline') && names.includes('spectra'), names.join(', '));
  const events = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { activationEvents: string[] }).activationEvents;
  for (const name of names) assert.ok(events.includes(`onWebviewPanel:layerLens.${name}`), `no activation event for the ${name} panel`);
});
