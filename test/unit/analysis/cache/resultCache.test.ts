// The shared result cache: memory LRU, disk round trip (non-finite numbers included), key
// collisions guarded, capacity pruning, and an unwritable folder that never fails a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../../../../src/analysis/cache/resultCache';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'll-result-cache-'));
}

test('memory keeps the most recently used entries up to its capacity', async () => {
  const cache = new ResultCache<number>({ folder: 't', memoryCapacity: 2, diskCapacity: 10 });
  await cache.set('a', 1);
  await cache.set('b', 2);
  assert.deepEqual(await cache.get('a'), { value: 1, from: 'memory' }); // a is now the most recent
  await cache.set('c', 3); // evicts b
  assert.equal(await cache.get('b'), undefined);
  assert.equal((await cache.get('a'))?.value, 1);
  assert.equal((await cache.get('c'))?.value, 3);
});

test('disk round trip keeps NaN and infinities, and a fresh memory reads from disk', async () => {
  const dir = tempDir();
  try {
    const cache = new ResultCache<{ x: number[] }>({ folder: 'spectra', memoryCapacity: 4, diskCapacity: 10 });
    await cache.set('k', { x: [1.5, NaN, Infinity, -Infinity] }, dir);
    cache.clearMemory();
    const hit = await cache.get('k', dir);
    assert.equal(hit?.from, 'disk');
    assert.deepEqual(hit?.value.x, [1.5, NaN, Infinity, -Infinity]);
    assert.equal((await cache.get('k', dir))?.from, 'memory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file whose stored key differs (hash collision, older format) is a miss', async () => {
  const dir = tempDir();
  try {
    const cache = new ResultCache<number>({ folder: 'f', memoryCapacity: 4, diskCapacity: 10 });
    await cache.set('key-1', 7, dir);
    const [file] = readdirSync(join(dir, 'f'));
    writeFileSync(join(dir, 'f', file), JSON.stringify({ key: 'another key', value: 8 }));
    cache.clearMemory();
    assert.equal(await cache.get('key-1', dir), undefined);
    writeFileSync(join(dir, 'f', file), '{ not json');
    assert.equal(await cache.get('key-1', dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the disk keeps at most its capacity of files', async () => {
  const dir = tempDir();
  try {
    const cache = new ResultCache<number>({ folder: 'p', memoryCapacity: 100, diskCapacity: 3 });
    for (let i = 0; i < 6; i++) await cache.set(`k${i}`, i, dir);
    assert.equal(readdirSync(join(dir, 'p')).filter((n) => n.endsWith('.json')).length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable cache folder never fails the caller', async () => {
  const dir = tempDir();
  try {
    const blocker = join(dir, 'file-not-folder');
    writeFileSync(blocker, 'x');
    const cache = new ResultCache<number>({ folder: 'q', memoryCapacity: 4, diskCapacity: 10 });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => errors.push(a);
    try {
      await cache.set('k', 1, blocker);
    } finally {
      console.error = original;
    }
    assert.equal(errors.length, 1, 'the failure is logged once');
    assert.equal((await cache.get('k', blocker))?.value, 1, 'the memory copy still serves');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
