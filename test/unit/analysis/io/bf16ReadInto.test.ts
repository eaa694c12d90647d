// BF16 read into a caller's array through the WebAssembly widening, against the plain reader, the
// values as written and a marker fill (nothing outside the range touched), including reads that run
// at the same time (the executor prefetches one layer while reading another).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsHeader } from '../../../../src/analysis/io/safetensors';
import { readBf16Into } from '../../../../src/analysis/io/bf16ReadInto';
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
    assert.equal(await readBf16Into(entries.get('a')!, first, dest.subarray(1, count + 1)), true);
    assert.ok(Number.isNaN(dest[0]) && Number.isNaN(dest[count + 1]), 'the marker either side is untouched');
    const got = dest.subarray(1, count + 1);
    for (let i = 0; i < count; i++) if (!Object.is(got[i], want[first + i])) assert.fail(`element ${first + i}: ${got[i]} vs ${want[first + i]}`);
    assert.deepEqual(got, await readElementsF32(entries.get('a')!, first, count));
  }
});

test('two reads at once each get their own values', async () => {
  const da = new Float32Array(N),
    db = new Float32Array(N);
  await Promise.all([readBf16Into(entries.get('a')!, 0, da), readBf16Into(entries.get('b')!, 0, db)]);
  assert.deepEqual(da, roundTrip('BF16', a));
  assert.deepEqual(db, roundTrip('BF16', b));
});

test('not BF16, or too small to gain: nothing is read and the caller falls back', async () => {
  assert.equal(await readBf16Into(entries.get('f')!, 0, new Float32Array(WASM_MIN_VALUES)), false);
  const small = new Float32Array(100).fill(NaN);
  assert.equal(await readBf16Into(entries.get('a')!, 0, small), false);
  assert.ok(small.every(Number.isNaN));
  await assert.rejects(readBf16Into(entries.get('a')!, N - 10, new Float32Array(WASM_MIN_VALUES)), /outside|range|beyond/i);
});
