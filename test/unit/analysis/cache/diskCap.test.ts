// The disk cache's size cap: sizes are the files' own, the least recently used entries go first
// (a read counts as a use), only result files of the cache's form are counted or removed, and
// "Clear Cached Results" removes them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheUsage, clearCache, enforceCacheCap, evictionPlan, type CacheEntryFile } from '../../../../src/analysis/cache/diskCap';
import { ResultCache } from '../../../../src/analysis/cache/resultCache';

const hex = (i: number) => i.toString(16).padStart(64, '0');

function withDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'll-cache-cap-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Writes `<dir>/<folder>/<hex(i)>.json` of `bytes` bytes, last used at `t` seconds. */
function entry(dir: string, folder: string, i: number, bytes: number, t: number): string {
  mkdirSync(join(dir, folder), { recursive: true });
  const p = join(dir, folder, `${hex(i)}.json`);
  writeFileSync(p, 'x'.repeat(bytes));
  utimesSync(p, t, t);
  return p;
}

test('eviction plan: oldest first, just enough to fit, nothing when under the cap', () => {
  const f = (path: string, bytes: number, lastUsedMs: number): CacheEntryFile => ({ path, bytes, lastUsedMs });
  const usage = { files: [f('c', 300, 3), f('a', 100, 1), f('b', 200, 2), f('d', 400, 4)], bytes: 1000 };
  assert.deepEqual(evictionPlan(usage, 1000), []);
  assert.deepEqual(
    evictionPlan(usage, 999).map((x) => x.path),
    ['a'],
  );
  // 1000 − 650 = 350 over: a (100) and b (200) free 300, c is needed too.
  assert.deepEqual(
    evictionPlan(usage, 650).map((x) => x.path),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    evictionPlan(usage, 0).map((x) => x.path),
    ['a', 'b', 'c', 'd'],
  );
});

test(
  'usage counts the result files of every folder and nothing else',
  withDir(async (dir) => {
    entry(dir, 'similarity', 1, 100, 1000);
    entry(dir, 'spectra', 2, 250, 2000);
    writeFileSync(join(dir, 'similarity', `${hex(3)}.json.123.tmp`), 'y'.repeat(7));
    // Not the cache's: other files of the global storage, a JSON file with another name.
    writeFileSync(join(dir, 'state.json'), 'z'.repeat(5000));
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'notes.json'), 'z'.repeat(5000));
    const usage = await cacheUsage(dir);
    assert.equal(usage.bytes, 100 + 250 + 7);
    assert.equal(usage.files.length, 3);
    assert.deepEqual(await cacheUsage(join(dir, 'missing')), { files: [], bytes: 0 });
  }),
);

test(
  'the cap removes the least recently used results until the rest fits',
  withDir(async (dir) => {
    const a = entry(dir, 'similarity', 1, 400, 1000);
    const b = entry(dir, 'spectra', 2, 400, 3000);
    const c = entry(dir, 'diff', 3, 400, 2000);
    const other = join(dir, 'keep.json');
    writeFileSync(other, 'k'.repeat(10_000));
    const r = await enforceCacheCap(dir, 900);
    assert.deepEqual(r, { before: 1200, after: 800, removed: 1 });
    assert.equal(existsSync(a), false);
    assert.ok(existsSync(b) && existsSync(c) && existsSync(other));
    // Under the cap: nothing happens.
    assert.deepEqual(await enforceCacheCap(dir, 900), { before: 800, after: 800, removed: 0 });
    const r2 = await enforceCacheCap(dir, 400);
    assert.equal(r2.removed, 1);
    assert.equal(existsSync(c), false, 'c was used before b');
    assert.ok(existsSync(b));
  }),
);

test(
  'a read makes an entry the most recently used, so the cap keeps it',
  withDir(async (dir) => {
    const cache = new ResultCache<string>({ folder: 'similarity', memoryCapacity: 10, diskCapacity: 10 });
    await cache.set('old', 'a'.repeat(300), dir);
    await cache.set('new', 'b'.repeat(300), dir);
    // Entries are named by the SHA-256 of their key: 'old' last used long before 'new'.
    const file = (key: string) => join(dir, 'similarity', `${createHash('sha256').update(key).digest('hex')}.json`);
    utimesSync(file('old'), 1000, 1000);
    utimesSync(file('new'), 2000, 2000);
    cache.clearMemory();
    assert.equal((await cache.get('old', dir))?.from, 'disk');
    assert.ok(statSync(file('old')).mtimeMs > 2_000_000, 'the read touched the file');
    await enforceCacheCap(dir, (await cacheUsage(dir)).bytes - 1);
    assert.ok(existsSync(file('old')));
    assert.equal(existsSync(file('new')), false);
    // A hit in the worker's memory counts as a use too.
    utimesSync(file('old'), 1000, 1000);
    assert.equal((await cache.get('old', dir))?.from, 'memory');
    assert.ok(statSync(file('old')).mtimeMs > 2_000_000);
  }),
);

test(
  'clear removes every result file and reports what went',
  withDir(async (dir) => {
    entry(dir, 'similarity', 1, 100, 1000);
    entry(dir, 'panels', 2, 50, 1000);
    writeFileSync(join(dir, 'keep.json'), 'k');
    assert.deepEqual(await clearCache(dir), { files: 2, bytes: 150 });
    assert.equal((await cacheUsage(dir)).bytes, 0);
    assert.ok(existsSync(join(dir, 'keep.json')));
  }),
);
