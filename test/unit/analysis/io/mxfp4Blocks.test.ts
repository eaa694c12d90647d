// gpt-oss MXFP4 (safetensors `*_blocks` + `*_scales`) decoded by the WASM SIMD kernel and by its
// JavaScript fallback: bit for bit the reference decoder mxfp4Reference.ts (written from
// transformers' convert_moe_packed_tensors; the MoE tests check the reads end to end against the
// numpy oracle) over random bytes, every exponent 0…255
// and every code, batch edges and output offsets; spot values from the format's definition (−0,
// 2^-128, 2^127, overflow to Infinity); and one expert read from a file, into a new array or a caller's,
// or streamed chunk by chunk.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMxfp4Into, readMxfp4Expert, streamMxfp4Expert } from '../../../../src/analysis/io/mxfp4Blocks';
import { readSafetensorsHeader } from '../../../../src/analysis/io/safetensors';
import { decodeWasm, setDecodeWasmEnabled } from '../../../../src/analysis/io/wasm/decodeKernelsWasm';
import { decodeMxfp4 } from './mxfp4Reference';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { xorshiftBytes } from '../../../fixtures/prng';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-mxfp4-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Groups whose exponents run through 0…255 (then random) and whose bytes hold every code pair. */
function inputs(groups: number, seed: number): { bytes: Uint8Array; exps: Uint8Array } {
  const bytes = xorshiftBytes(16 * groups, seed);
  for (let i = 0; i < Math.min(256, bytes.length); i++) bytes[i] = i;
  const exps = xorshiftBytes(groups, seed + 1);
  for (let g = 0; g < Math.min(256, groups); g++) exps[g] = g;
  return { bytes, exps };
}

test('WASM SIMD is available here, so the kernel is the path under test', () => {
  assert.ok(decodeWasm());
});

for (const wasm of [true, false]) {
  test(`${wasm ? 'the WASM kernel' : 'the JavaScript fallback'} equals the reference decoder bit for bit: every exponent and code, batch edges, offsets`, () => {
    setDecodeWasmEnabled(wasm);
    try {
      for (const groups of [1, 3, 256, 511, 512, 513, 1100]) {
        const { bytes, exps } = inputs(groups, 0x9e3779b9 + groups);
        const want = decodeMxfp4(bytes, exps, 1, groups);
        for (const at of [0, 7]) {
          const out = new Float32Array(at + 32 * groups + 3).fill(42);
          decodeMxfp4Into(bytes, exps, out, at);
          assert.deepEqual(bitsOf(out.subarray(at, at + 32 * groups)), bitsOf(want), `${groups} groups from ${at}`);
          assert.deepEqual([...out.subarray(0, at), ...out.subarray(at + 32 * groups)], new Array(at + 3).fill(42), 'nothing written outside');
        }
      }
    } finally {
      setDecodeWasmEnabled(true);
    }
  });
}

test('spot values from the definition FP4_VALUES[code] · 2^(e − 127)', () => {
  // Group 0: e = 127 (scale 1); group 1: e = 0 (2^-127); group 2: e = 255 (2^128); group 3: e = 128.
  const exps = new Uint8Array([127, 0, 255, 128]);
  const bytes = new Uint8Array(64);
  bytes.set([0x10, 0x98, 0xf7], 0); // codes 0, 1 | 8, 9 | 7, 15
  bytes.set([0x21], 16); // codes 1, 2
  bytes.set([0x21, 0x80], 32); // codes 1, 2 | 0, 8
  bytes.set([0xf7], 48); // codes 7, 15
  const out = new Float32Array(128);
  decodeMxfp4Into(bytes, exps, out, 0);
  assert.deepEqual([...out.subarray(0, 6)], [0, 0.5, -0, -0.5, 6, -6]);
  assert.ok(Object.is(out[2], -0), 'code 8 is −0');
  assert.ok(Object.is(out[6], 0), 'code 0 of the zero bytes is +0');
  assert.deepEqual([...out.subarray(32, 34)], [2 ** -128, 2 ** -127], 'subnormal scale, exact');
  assert.deepEqual([...out.subarray(64, 68)], [2 ** 127, Infinity, 0, -0], '2^128 scale: 0.5 stays finite, 1 overflows');
  assert.ok(Object.is(out[66], 0) && Object.is(out[67], -0));
  assert.deepEqual([...out.subarray(96, 98)], [12, -12]);
});

test("one expert of a file: the reference decode of its slice, into a new array and into a caller's; U8 and F8_E8M0 exponents", async () => {
  const E = 3;
  const rows = 5;
  const groups = 7;
  const blocks = xorshiftBytes(E * rows * groups * 16, 12345);
  const exps = xorshiftBytes(E * rows * groups, 777).map((b) => 100 + (b % 56));
  for (const scaleDtype of ['U8', 'F8_E8M0'] as const) {
    const file = join(dir, `experts-${scaleDtype}.safetensors`);
    await writeSafetensors(file, [
      { name: 'b_blocks', dtype: 'U8', shape: [E, rows, groups, 16], bytes: blocks },
      { name: 'b_scales', dtype: scaleDtype, shape: [E, rows, groups], bytes: exps },
    ]);
    const h = await readSafetensorsHeader(file);
    const [b, s] = ['b_blocks', 'b_scales'].map((n) => h.tensors.find((t) => t.name === n)!);
    for (let e = 0; e < E; e++) {
      const n = rows * groups;
      const want = decodeMxfp4(blocks.subarray(e * n * 16, (e + 1) * n * 16), exps.subarray(e * n, (e + 1) * n), rows, groups);
      // Chunks of 64 bytes (4 groups) cut rows: the exponents must follow each chunk.
      assert.deepEqual(bitsOf(await readMxfp4Expert(b, s, e, rows, groups, { chunkBytes: 64 })), bitsOf(want), `expert ${e}`);
      const into = new Float32Array(32 * n + 2).fill(NaN);
      const got = await readMxfp4Expert(b, s, e, rows, groups, {}, into);
      assert.equal(got.buffer, into.buffer);
      assert.deepEqual(bitsOf(got), bitsOf(want), `expert ${e} into a caller's array`);
      assert.ok(Number.isNaN(into[32 * n]) && Number.isNaN(into[32 * n + 1]));
    }
    if (scaleDtype === 'F8_E8M0') await assert.rejects(readMxfp4Expert(s, s, 0, rows, groups), /are F8_E8M0, not U8/);
  }
});

test('one expert streamed: chunks in order, all in one reused memory, together the reference decode; WASM and JavaScript', async () => {
  const [E, rows, groups] = [2, 40, 24];
  const { bytes: blocks, exps } = inputs(E * rows * groups, 4242);
  const file = join(dir, 'experts-stream.safetensors');
  await writeSafetensors(file, [
    { name: 'b_blocks', dtype: 'U8', shape: [E, rows, groups, 16], bytes: blocks },
    { name: 'b_scales', dtype: 'U8', shape: [E, rows, groups], bytes: exps },
  ]);
  const h = await readSafetensorsHeader(file);
  const [b, s] = ['b_blocks', 'b_scales'].map((n) => h.tensors.find((t) => t.name === n)!);
  const n = rows * groups;
  const want = decodeMxfp4(blocks.subarray(n * 16, 2 * n * 16), exps.subarray(n, 2 * n), rows, groups);
  for (const wasm of [true, false]) {
    setDecodeWasmEnabled(wasm);
    try {
      const got = new Float32Array(32 * n).fill(NaN);
      const buffers = new Set<ArrayBufferLike>();
      let next = 0;
      let chunks = 0;
      // chunkBytes counts float32 bytes: a seventh of the matrix a chunk, the last one shorter.
      await streamMxfp4Expert(b, s, 1, rows, groups, { chunkBytes: 4 * Math.ceil((32 * n) / 7) }, (values, at) => {
        assert.equal(at, next, 'chunks arrive in order');
        buffers.add(values.buffer);
        got.set(values, at);
        next += values.length;
        chunks++;
      });
      assert.equal(next, 32 * n, 'the chunks cover the matrix');
      assert.ok(chunks >= 7, `${chunks} chunks`);
      assert.equal(buffers.size, 1, 'every chunk is decoded into the same memory');
      assert.deepEqual(bitsOf(got), bitsOf(want), wasm ? 'WASM' : 'JavaScript');
    } finally {
      setDecodeWasmEnabled(true);
    }
  }
});
