// The worker's cache of open models: reuse while files are unchanged, re-open when a checkpoint is
// rewritten, least recently used out, failures not cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelCache } from '../../../../src/analysis/worker/modelCache';
import { openModel } from '../../../../src/analysis/model/openModel';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';

function countingOpen(): { open: (p: string) => ReturnType<typeof openModel>; opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    open: (p) => {
      opened.push(path.basename(p));
      return openModel(p);
    },
  };
}

test('a model is opened once while unchanged, and again after its file is rewritten', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'll-cache-'));
  try {
    const a = path.join(dir, 'a.safetensors');
    await writeSafetensors(a, [{ name: 'w', dtype: 'F32', shape: [2, 2], values: [1, 2, 3, 4] }]);
    const { open, opened } = countingOpen();
    const cache = new ModelCache(open, 2);
    const h1 = await cache.get(a);
    const h2 = await cache.get(a);
    assert.equal(h1, h2);
    assert.deepEqual(opened, ['a.safetensors']);
    // A training run rewrites the checkpoint with a bigger tensor.
    await writeSafetensors(a, [{ name: 'w', dtype: 'F32', shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }]);
    const h3 = await cache.get(a);
    assert.notEqual(h3, h1);
    assert.deepEqual(h3.tensors.get('w')!.shape, [3, 2]);
    assert.equal(opened.length, 2);
    // Same size, new modification time: still re-opened.
    const later = new Date(Date.now() + 5000);
    utimesSync(a, later, later);
    await cache.get(a);
    assert.equal(opened.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('least recently used models leave first; failed opens are not cached', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'll-cache-'));
  try {
    const files = ['a', 'b', 'c'].map((n) => path.join(dir, `${n}.safetensors`));
    for (const f of files) await writeSafetensors(f, [{ name: 'w', dtype: 'F32', shape: [1], values: [0] }]);
    const { open, opened } = countingOpen();
    const cache = new ModelCache(open, 2);
    await cache.get(files[0]!);
    await cache.get(files[1]!);
    await cache.get(files[0]!); // a is now the most recent
    await cache.get(files[2]!); // evicts b
    assert.equal(cache.size, 2);
    await cache.get(files[0]!);
    assert.deepEqual(opened, ['a.safetensors', 'b.safetensors', 'c.safetensors']);
    await cache.get(files[1]!);
    assert.deepEqual(opened.at(-1), 'b.safetensors');

    const broken = path.join(dir, 'broken.safetensors');
    writeFileSync(broken, 'not a safetensors file');
    await assert.rejects(cache.get(broken), /safetensors/);
    await assert.rejects(cache.get(broken), /safetensors/);
    assert.equal(opened.filter((n) => n === 'broken.safetensors').length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
