// Finished activation and persistence runs are served from the cache of finished runs when the
// same model files, prompts and options come again (memory, then disk in a fresh worker), and
// recomputed when any of them changes or the caller forces it. Runs on a copy of the bundled
// sample model, so that touching its file changes nothing else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { runActivationJob, type ActivationJobParams } from '../../../../../src/analysis/methods/activation/job';
import { runPersistenceJob, type PersistenceJobParams } from '../../../../../src/analysis/methods/persistence/job';
import { clearPromptRunMemoryCaches } from '../../../../../src/analysis/methods/common/promptRunCache';
import { repoRoot } from '../../worker/workerHarness';

/** The result without the field that says where it came from. */
function computed<T extends { cached: unknown }>(r: T): Omit<T, 'cached'> {
  const { cached: _cached, ...rest } = r;
  return rest;
}

describe('cache of finished prompt-driven runs', () => {
  let dir: string, modelDir: string, cacheDir: string, engine: Engine;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'll-prompt-runs-'));
    modelDir = path.join(dir, 'model');
    cacheDir = path.join(dir, 'cache');
    await cp(path.join(repoRoot, 'media', 'sample-model'), modelDir, { recursive: true });
    engine = await getEngine({ providers: ['cpu'] });
    clearPromptRunMemoryCaches();
  });
  after(async () => {
    clearPromptRunMemoryCaches();
    await rm(dir, { recursive: true, force: true });
  });

  test('activation: memory hit, disk hit, and a miss for other prompts, options, force or a touched file', async () => {
    const params: ActivationJobParams = {
      prompts: [
        { kind: 'text', text: 'Tom saw a big dog.' },
        { kind: 'text', text: 'x = 1 + 2' },
      ],
      threshold: { kind: 'relative', factor: 1 },
      maxTokens: 16,
    };
    let partials = 0;
    const first = await runActivationJob(await openModel(modelDir), params, { engine, cacheDir, onPartial: () => partials++ });
    assert.equal(first.cached, false);
    assert.equal(partials, 1, 'the computed run streams its partial result');
    assert.equal((await readdir(path.join(cacheDir, 'activation'))).length, 1);

    const again = await runActivationJob(await openModel(modelDir), params, { engine, cacheDir });
    assert.equal(again.cached, 'memory');
    assert.deepEqual(computed(again), computed(first));

    clearPromptRunMemoryCaches(); // as in a new worker: only the disk copy is left
    const fromDisk = await runActivationJob(await openModel(modelDir), params, { engine, cacheDir });
    assert.equal(fromDisk.cached, 'disk');
    assert.deepEqual(computed(fromDisk), computed(first));

    const otherPrompt = await runActivationJob(
      await openModel(modelDir),
      { ...params, prompts: [{ kind: 'text', text: 'Tom saw a big cat.' }, params.prompts[1]] },
      { engine, cacheDir },
    );
    assert.equal(otherPrompt.cached, false);
    assert.notDeepEqual(otherPrompt.prompts, first.prompts);
    // Fewer tokens kept is other prompts too, though the sources are the same.
    assert.equal((await runActivationJob(await openModel(modelDir), { ...params, maxTokens: 4 }, { engine, cacheDir })).cached, false);
    const otherThreshold = await runActivationJob(await openModel(modelDir), { ...params, threshold: { kind: 'relative', factor: 2 } }, { engine, cacheDir });
    assert.equal(otherThreshold.cached, false);
    assert.notDeepEqual(otherThreshold.layerFraction, first.layerFraction);
    assert.equal((await runActivationJob(await openModel(modelDir), params, { engine, cacheDir, force: true })).cached, false);

    // A rewritten checkpoint (here: only its times change) is another model as far as the cache knows.
    const file = path.join(modelDir, 'model.safetensors');
    await utimes(file, new Date(), new Date(Date.now() - 3600_000));
    const touched = await runActivationJob(await openModel(modelDir), params, { engine, cacheDir });
    assert.equal(touched.cached, false);
    assert.deepEqual(touched.layerFraction, first.layerFraction);
  });

  test('persistence: memory hit equal to the computed run; other k or prompts recompute', async () => {
    const params: PersistenceJobParams = { prompts: [{ kind: 'builtin', perDomain: 6 }], k: 3, maxDim: 2, maxTokens: 24 };
    const first = await runPersistenceJob(await openModel(modelDir), params, { engine, cacheDir });
    assert.equal(first.cached, false);
    const again = await runPersistenceJob(await openModel(modelDir), params, { engine, cacheDir });
    assert.equal(again.cached, 'memory');
    assert.deepEqual(computed(again), computed(first));
    clearPromptRunMemoryCaches();
    const fromDisk = await runPersistenceJob(await openModel(modelDir), params, { engine, cacheDir });
    assert.equal(fromDisk.cached, 'disk');
    assert.deepEqual(fromDisk.bars, first.bars);
    assert.deepEqual(fromDisk.heatmap, first.heatmap);

    const otherK = await runPersistenceJob(await openModel(modelDir), { ...params, k: 4 }, { engine, cacheDir });
    assert.equal(otherK.cached, false);
    assert.equal(otherK.k, 4);
    const fewer = await runPersistenceJob(await openModel(modelDir), { ...params, prompts: [{ kind: 'builtin', perDomain: 5 }] }, { engine, cacheDir });
    assert.equal(fewer.cached, false);
    assert.equal(fewer.prompts, 20);
    // Without a cache folder the memory still serves the same worker.
    assert.equal((await runPersistenceJob(await openModel(modelDir), { ...params, k: 4 }, { engine })).cached, 'memory');
  });
});
