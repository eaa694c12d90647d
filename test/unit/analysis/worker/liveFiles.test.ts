// Live files: a checkpoint rewritten, truncated or re-configured while open invalidates every
// cache keyed by the model (open models in the worker; similarity/spectra/correlations results
// through modelIdentity), even when the rewrite keeps the old size and modification time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelFileError } from '../../../../src/analysis/io/modelFileError';
import { modelFilesIdentity } from '../../../../src/analysis/cache/fileIdentity';
import type { LayerSimilarityResult } from '../../../../src/analysis/methods/similarity/layerSimilarity';
import { modelIdentity, readCachedSimilarity, similarityCacheKey, writeCachedSimilarity } from '../../../../src/analysis/methods/similarity/cache';
import { ModelCache } from '../../../../src/analysis/worker/modelCache';
import { openModel } from '../../../../src/analysis/model/openModel';
import { readTensorF32 } from '../../../../src/analysis/model/readRole';
import { writeFixtureModel } from '../../../fixtures/makeModel';
import { buildSafetensors } from '../../../fixtures/safetensorsWriter';

const tensor = (values: number[]) => buildSafetensors([{ name: 'w', dtype: 'F32', shape: [values.length], values }]);

function withDir(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'll-live-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'a same-size rewrite with the old mtime put back (cp -p, rsync -t) still invalidates the model and result caches',
  withDir(async (dir) => {
    const file = path.join(dir, 'ckpt.safetensors');
    writeFileSync(file, tensor([1, 2, 3, 4]));
    const { mtime, atime } = statSync(file);
    let opens = 0;
    const cache = new ModelCache((p) => (opens++, openModel(p)), 2);
    const before = await cache.get(file);
    const identityBefore = await modelIdentity(before);
    const key = similarityCacheKey(identityBefore, { kinds: ['q'] } as never);
    await writeCachedSimilarity(key, { marker: 'old weights' } as unknown as LayerSimilarityResult);
    assert.ok(await readCachedSimilarity(key));

    // Training step k+1: same shapes, new values, written to a temp file and renamed over, mtime restored.
    const tmp = path.join(dir, 'ckpt.tmp');
    writeFileSync(tmp, tensor([5, 6, 7, 8]));
    utimesSync(tmp, atime, mtime);
    renameSync(tmp, file);
    assert.equal(statSync(file).size, tensor([1, 2, 3, 4]).length);
    assert.ok(Math.abs(statSync(file).mtimeMs - mtime.getTime()) < 1, 'the mtime was put back (to the millisecond)');

    const after = await cache.get(file);
    assert.notEqual(after, before);
    assert.equal(opens, 2);
    assert.deepEqual([...(await readTensorF32(after, 'w'))], [5, 6, 7, 8]);
    const identityAfter = await modelIdentity(after);
    assert.notEqual(identityAfter, identityBefore);
    assert.equal(await readCachedSimilarity(similarityCacheKey(identityAfter, { kinds: ['q'] } as never)), undefined);

    // In-place overwrite (same inode), mtime restored: ctime still moves.
    const id0 = await modelFilesIdentity(after);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, tensor([9, 9, 9, 9]));
    utimesSync(file, atime, mtime);
    assert.notEqual(await modelFilesIdentity(after), id0);
    assert.deepEqual([...(await readTensorF32(await cache.get(file), 'w'))], [9, 9, 9, 9]);
    assert.equal(opens, 3);
  }),
);

test(
  'a checkpoint truncated while open: reads through the old handle fail typed, and re-opening reports the damage',
  withDir(async (dir) => {
    const file = path.join(dir, 'ckpt.safetensors');
    writeFileSync(file, tensor([1, 2, 3, 4, 5, 6, 7, 8]));
    const cache = new ModelCache(openModel, 2);
    const stale = await cache.get(file);
    truncateSync(file, statSync(file).size - 8);
    await assert.rejects(
      readTensorF32(stale, 'w'),
      (e: unknown) => e instanceof ModelFileError && /truncated or rewritten since it was opened: reload the model/.test(e.message),
    );
    await assert.rejects(
      cache.get(file),
      (e: unknown) => e instanceof ModelFileError && /the file is truncated or its offsets are out of range/.test(e.message),
    );
    // Failed opens are not cached: once the writer finishes, the model opens again.
    writeFileSync(file, tensor([1, 2, 3, 4, 5, 6, 7, 8]));
    assert.equal((await cache.get(file)).tensors.get('w')!.shape[0], 8);
  }),
);

test(
  "editing a model folder's config.json invalidates it too (roles come from the config)",
  withDir(async (dir) => {
    const fx = await writeFixtureModel(path.join(dir, 'm'), { arch: 'llama', layers: 1 });
    let opens = 0;
    const cache = new ModelCache((p) => (opens++, openModel(p)), 2);
    assert.equal((await cache.get(fx.dir)).architecture, 'llama');
    await cache.get(fx.dir);
    assert.equal(opens, 1);
    writeFileSync(path.join(fx.dir, 'config.json'), JSON.stringify({ ...fx.config, model_type: 'brand_new' }));
    const reopened = await cache.get(fx.dir);
    assert.equal(opens, 2);
    assert.equal(reopened.architecture, 'brand_new');
  }),
);

test(
  'a same-size rewrite after opening is refused by reads through the old handle (in place, and with the old mtime put back)',
  withDir(async (dir) => {
    const file = path.join(dir, 'ckpt.safetensors');
    writeFileSync(file, tensor([1, 2, 3, 4]));
    const { mtime, atime } = statSync(file);
    const stale = await openModel(file);
    assert.deepEqual([...(await readTensorF32(stale, 'w'))], [1, 2, 3, 4]);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(file, tensor([5, 6, 7, 8])); // same inode, same size, new bytes
    const refused = (e: unknown) => e instanceof ModelFileError && /was rewritten since it was opened .* reload the model/.test(e.message);
    await assert.rejects(readTensorF32(stale, 'w'), refused);
    utimesSync(file, atime, mtime); // mtime back as it was: the status-change time still differs
    await assert.rejects(readTensorF32(stale, 'w'), refused);
    // A fresh open reads the new weights.
    assert.deepEqual([...(await readTensorF32(await openModel(file), 'w'))], [5, 6, 7, 8]);
  }),
);
