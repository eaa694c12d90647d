// Panel results kept for a restore after a window reload: a hit for the same kind, models and
// options (whatever the options' key order), a miss once a model file changed on disk or for
// other options, typed arrays and non-finite numbers intact, and the files counted by the cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearPanelSnapshotMemory, modelFilesOnDisk, readPanelSnapshot, writePanelSnapshot } from '../../../../src/analysis/cache/panelSnapshot';
import { cacheUsage } from '../../../../src/analysis/cache/diskCap';

function setUp(): { root: string; cacheDir: string; model: string } {
  const root = mkdtempSync(join(tmpdir(), 'll-panel-snapshot-'));
  const model = join(root, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{"model_type":"llama"}');
  writeFileSync(join(model, 'model.safetensors'), 'weights-v1');
  return { root, cacheDir: join(root, 'cache'), model };
}

test('a stored result comes back for the same panel, models and options', async () => {
  const { root, cacheDir, model } = setUp();
  try {
    const result = { values: new Float32Array([0.5, -1.25]), alpha: NaN, top: Infinity, rows: [1, 2] };
    await writePanelSnapshot(
      cacheDir,
      { panel: 'spectra', models: [model], options: { vectorSide: 'right', expert: 2 } },
      { result, seconds: 1.5, savedAt: 7 },
    );
    clearPanelSnapshotMemory();
    const hit = await readPanelSnapshot<typeof result>(cacheDir, { panel: 'spectra', models: [model], options: { expert: 2, vectorSide: 'right' } });
    assert.ok(hit, 'options in another key order are the same options');
    assert.equal(hit.seconds, 1.5);
    assert.ok(hit.result.values instanceof Float32Array);
    assert.deepEqual(Array.from(hit.result.values), [0.5, -1.25]);
    assert.ok(Number.isNaN(hit.result.alpha));
    assert.equal(hit.result.top, Infinity);
    assert.equal((await cacheUsage(cacheDir)).files.length, 1, 'the size cap counts it');
    // Another kind or other options: no result.
    assert.equal(await readPanelSnapshot(cacheDir, { panel: 'similarity', models: [model], options: { expert: 2, vectorSide: 'right' } }), undefined);
    assert.equal(await readPanelSnapshot(cacheDir, { panel: 'spectra', models: [model], options: { vectorSide: 'left' } }), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a model file rewritten since the result was stored is a miss', async () => {
  const { root, cacheDir, model } = setUp();
  try {
    const key = { panel: 'similarity', models: [model], options: { kind: 'up' } };
    await writePanelSnapshot(cacheDir, key, { result: { ok: 1 }, seconds: 0.1, savedAt: 1 });
    assert.ok(await readPanelSnapshot(cacheDir, key));
    writeFileSync(join(model, 'model.safetensors'), 'weights-v2, longer');
    clearPanelSnapshotMemory();
    assert.equal(await readPanelSnapshot(cacheDir, key), undefined);
    // A config edit counts too.
    await writePanelSnapshot(cacheDir, key, { result: { ok: 2 }, seconds: 0.1, savedAt: 2 });
    writeFileSync(join(model, 'config.json'), '{"model_type":"mistral"}');
    assert.equal(await readPanelSnapshot(cacheDir, key), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the files of a model are found without opening it', async () => {
  const { root, model } = setUp();
  try {
    writeFileSync(join(model, 'model-00002-of-00002.safetensors'), 'b');
    writeFileSync(join(model, 'model-00001-of-00002.safetensors'), 'a');
    writeFileSync(join(model, 'notes.txt'), 'n');
    assert.deepEqual(
      (await modelFilesOnDisk(model)).map((f) => f.slice(model.length + 1)),
      [
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
        'model.safetensors',
        'config.json',
        'model.safetensors.index.json',
        'adapter_config.json',
      ],
    );
    const file = join(model, 'model.safetensors');
    assert.deepEqual(await modelFilesOnDisk(file), [file]);
    // A part of a split GGUF model stands for all its parts, the one opened or not.
    const part2 = join(model, 'm-00002-of-00003.gguf');
    assert.deepEqual(
      (await modelFilesOnDisk(part2)).map((f) => f.slice(model.length + 1)),
      ['m-00001-of-00003.gguf', 'm-00002-of-00003.gguf', 'm-00003-of-00003.gguf'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
