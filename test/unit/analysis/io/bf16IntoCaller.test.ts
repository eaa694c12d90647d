// BF16 read into a caller's array (readElementsF32's `into`, through the WebAssembly widening)
// against the plain reader, the values as written and a marker fill (nothing outside the range
// touched), including reads that run at the same time (the executor prefetches one layer while
// reading another) and a cancelled read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsHeader } from '../../../../src/analysis/io/safetensors';
import { readElementsF32, WASM_MIN_VALUES } from '../../../../src/analysis/io/tensorReader';
import type { TensorEntry } from '../../../../src/analysis/model/types';
import { mulberry32, uniform } from '../../../fixtures/prng';
import { roundTrip, writeSafetensors } from '../../../fixtures/safetensorsWriter';

let root = '';
let entries = new Map<string, TensorEntry>();
// More than two 2 Mi-value chunks, odd, so both scratch buffers are reused and the tail is short.
const N = 5 * 1024 * 1024 + 1234567 + 3;
const a = uniform(mulberry32(11), N, 4);
const b = uniform(mulberry32(12), N, 0.01);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-bf16into-'));
  const p = join(root, 'w.safetensors');
  await writeSafetensors(p, [
    { name: 'pad', dtype: 'U8', shape: [3], values: [1, 2, 3] }, // odd file offsets after it
    { name: 'a', dtype: 'BF16', shape: [N], values: a },
    { name: 'b', dtype: 'BF16', shape: [N], values: b },
    { name: 'f', dtype: 'F32', shape: [WASM_MIN_VALUES], values: a.slice(0, WASM_MIN_VALUES) },
  ]);
  entries = new Map((await readSafetensorsHeader(p)).tensors.map((t) => [t.name, t]));
});
after(() => rm(root, { recursive: true, force: true }));

test('BF16 into a caller array: the values as written, bit for bit, and nothing outside the range', async () => {
  const want = roundTrip('BF16', a);
  for (const [first, count] of [
    [0, N],
    [7, N - 7 - 5],
    [2 * 1024 * 1024 - 1, WASM_MIN_VALUES + 1],
  ]) {
    const dest = new Float32Array(count + 2).fill(NaN);
    const into = dest.subarray(1, count + 1);
    const returned = await readElementsF32(entries.get('a')!, first, count, {}, into);
    assert.equal(returned.buffer, dest.buffer, 'the values are in the caller array');
    assert.ok(Number.isNaN(dest[0]) && Number.isNaN(dest[count + 1]), 'the marker either side is untouched');
    const got = dest.subarray(1, count + 1);
    for (let i = 0; i < count; i++) if (!Object.is(got[i], want[first + i])) assert.fail(`element ${first + i}: ${got[i]} vs ${want[first + i]}`);
    assert.deepEqual(got, await readElementsF32(entries.get('a')!, first, count));
  }
});

test('two reads at once each get their own values', async () => {
  const da = new Float32Array(N),
    db = new Float32Array(N);
  await Promise.all([readElementsF32(entries.get('a')!, 0, N, {}, da), readElementsF32(entries.get('b')!, 0, N, {}, db)]);
  assert.deepEqual(da, roundTrip('BF16', a));
  assert.deepEqual(db, roundTrip('BF16', b));
});

test('small reads, F32, a chunk size of the caller: the same values by the other paths', async () => {
  const small = new Float32Array(100).fill(NaN);
  await readElementsF32(entries.get('a')!, 5, 100, {}, small);
  assert.deepEqual(small, roundTrip('BF16', a).subarray(5, 105));
  const f = new Float32Array(WASM_MIN_VALUES);
  await readElementsF32(entries.get('f')!, 0, WASM_MIN_VALUES, {}, f);
  assert.deepEqual(f, a.subarray(0, WASM_MIN_VALUES));
  const chunked = new Float32Array(N - 3);
  await readElementsF32(entries.get('a')!, 3, N - 3, { chunkBytes: 1000 }, chunked);
  assert.deepEqual(chunked, roundTrip('BF16', a).subarray(3));
  await assert.rejects(readElementsF32(entries.get('a')!, N - 10, WASM_MIN_VALUES, {}, new Float32Array(WASM_MIN_VALUES)), /outside/);
});

test('a cancelled read stops, and the next read is whole', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(readElementsF32(entries.get('a')!, 0, N, { signal: controller.signal }, new Float32Array(N)), /cancel/i);
  const again = new Float32Array(N);
  await readElementsF32(entries.get('a')!, 0, N, {}, again);
  assert.deepEqual(again, roundTrip('BF16', a));
});
