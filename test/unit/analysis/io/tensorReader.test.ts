// Chunked reads against the values written: every chunk size from tiny (many boundaries, odd
// element offsets) to whole-tensor, every float dtype, partial ranges, progress and cancellation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsHeader } from '../../../../src/analysis/io/safetensors';
import { forEachRawChunk, readAllF32, readElementsF32, streamF32, WASM_MIN_VALUES } from '../../../../src/analysis/io/tensorReader';
import { bf16Destination } from '../../../../src/analysis/io/bf16Wasm';
import { setDecodeWasmEnabled } from '../../../../src/analysis/io/wasm/decodeKernelsWasm';
import { CancelledError } from '../../../../src/analysis/jobs';
import type { TensorEntry } from '../../../../src/analysis/model/types';
import { mulberry32, uniform, xorshiftBytes } from '../../../fixtures/prng';
import { roundTrip, writeSafetensors } from '../../../fixtures/safetensorsWriter';

let root = '';
let entries = new Map<string, TensorEntry>();
const N = 1001; // odd, so chunk ends fall mid-pair and the last chunk is short
const values = uniform(mulberry32(5), N, 3);
const DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;
// Large enough for the WASM in-place BF16 path (and odd, so its scalar tail runs too).
const BIG = WASM_MIN_VALUES + 4099;
const bigValues = uniform(mulberry32(6), BIG, 2);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-read-'));
  const p = join(root, 'm.safetensors');
  // A 1-byte tensor first puts every later tensor at an odd file offset.
  await writeSafetensors(p, [
    { name: 'pad', dtype: 'U8', shape: [1], values: [9] },
    ...DTYPES.map((dtype) => ({ name: dtype, dtype, shape: [N], values })),
    { name: 'big', dtype: 'BF16', shape: [BIG], values: bigValues },
  ]);
  entries = new Map((await readSafetensorsHeader(p)).tensors.map((t) => [t.name, t]));
});
after(() => rm(root, { recursive: true, force: true }));

test('whole-tensor reads equal the written values for every chunk size and dtype', async () => {
  for (const dtype of DTYPES) {
    const want = roundTrip(dtype, values);
    for (const chunkBytes of [1, 64, 100, 4000, 1 << 20]) {
      assert.deepEqual(await readAllF32(entries.get(dtype)!, { chunkBytes }), want, `${dtype} chunk ${chunkBytes}`);
    }
  }
});

test('element ranges: any start and length, including empty and the last element', async () => {
  const want = roundTrip('BF16', values);
  const e = entries.get('BF16')!;
  for (const [first, count] of [
    [0, 0],
    [1, 1],
    [3, 500],
    [999, 2],
    [1000, 1],
    [7, 993],
  ]) {
    assert.deepEqual(await readElementsF32(e, first, count, { chunkBytes: 64 }), want.slice(first, first + count), `${first}+${count}`);
  }
  await assert.rejects(readElementsF32(e, 1000, 2), /elements 1000\.\.1002 are outside tensor 'BF16' of 1001 elements/);
});

test('streaming visits every element once, in order, in bounded chunks', async () => {
  const want = roundTrip('F16', values);
  const seen = new Float32Array(N);
  let next = 0,
    largest = 0;
  await streamF32(entries.get('F16')!, { chunkBytes: 128 }, (v, first) => {
    assert.equal(first, next);
    seen.set(v, first);
    next += v.length;
    largest = Math.max(largest, v.length);
  });
  assert.equal(next, N);
  assert.equal(largest, 64);
  assert.deepEqual(seen, want);
});

test('progress reaches the total; an aborted signal stops the read with CancelledError', async () => {
  const e = entries.get('F32')!;
  const seen: number[] = [];
  await readAllF32(e, { chunkBytes: 400, onProgress: (p) => (assert.equal(p.total, 4 * N), seen.push(p.done)) });
  assert.equal(seen.at(-1), 4 * N);
  assert.ok(seen.every((d, i) => i === 0 || d > seen[i - 1]));
  const ac = new AbortController();
  let chunks = 0;
  await assert.rejects(
    forEachRawChunk(entries.get('BF16')!, 0, N, { chunkBytes: 64, signal: ac.signal }, () => {
      if (++chunks === 3) ac.abort();
    }),
    CancelledError,
  );
  assert.equal(chunks, 3);
});

test('large BF16 tensors (WASM in-place widening) equal the written values: whole, ranges, streamed', async () => {
  assert.ok(bf16Destination(1024), 'WASM SIMD is available in this Node');
  const want = roundTrip('BF16', bigValues);
  const e = entries.get('big')!;
  for (const chunkBytes of [4096, 12345, 1 << 20]) assert.deepEqual(await readAllF32(e, { chunkBytes }), want, `chunk ${chunkBytes}`);
  assert.deepEqual(await readElementsF32(e, 3, BIG - 5, { chunkBytes: 5000 }), want.slice(3, BIG - 2));
  const seen = new Float32Array(BIG);
  let calls = 0;
  await streamF32(e, { chunkBytes: 2 * WASM_MIN_VALUES }, (v, first) => {
    seen.set(v, first);
    calls++;
  });
  assert.equal(calls, 2);
  assert.deepEqual(seen, want);
});

test('a large F8_E4M3 tensor streamed (read into a decode arena, decoded there) equals the byte table, chunk by chunk in order; WASM and JavaScript', async () => {
  const n = WASM_MIN_VALUES + 4099;
  const raw = xorshiftBytes(n, 0xf8);
  const file = join(root, 'fp8-big.safetensors');
  await writeSafetensors(file, [{ name: 'w', dtype: 'F8_E4M3', shape: [n], bytes: raw }]);
  const e = (await readSafetensorsHeader(file)).tensors[0];
  setDecodeWasmEnabled(false);
  let want: Float32Array;
  try {
    want = await readAllF32(e);
  } finally {
    setDecodeWasmEnabled(true);
  }
  const bitsOf = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);
  for (const wasm of [true, false]) {
    setDecodeWasmEnabled(wasm);
    try {
      const seen = new Float32Array(n).fill(7);
      const buffers = new Set<ArrayBufferLike>();
      let next = 0;
      await streamF32(e, { chunkBytes: 20000 }, (v, first) => {
        assert.equal(first, next, 'chunks arrive in order');
        buffers.add(v.buffer);
        seen.set(v, first);
        next += v.length;
      });
      assert.equal(next, n);
      assert.equal(buffers.size, 1, 'every chunk in the same memory');
      assert.deepEqual(bitsOf(seen), bitsOf(want), wasm ? 'WASM' : 'JavaScript');
    } finally {
      setDecodeWasmEnabled(true);
    }
  }
});
