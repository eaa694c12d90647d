// The WASM SIMD block kernels (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, MXFP4) against the JavaScript decoders, bit for bit,
// on seeded random blocks whose scales include zeros, ±0, subnormals, infinities and NaNs, across
// batch boundaries and at odd offsets (the i-quant and ternary kernels: iquantsWasm.test.ts); every
// kernel and its JavaScript decoder, the fallback, against the numpy oracles (test/oracles/gguf_quants.py,
// gguf_iq_quants.py) directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCK_DECODERS } from '../../../../../src/analysis/io/gguf/dequant';
import { GGML_TYPES } from '../../../../../src/analysis/io/gguf/ggmlTypes';
import { WASM_BLOCK_TYPES, wasmBlockDecoder } from '../../../../../src/analysis/io/gguf/ggmlBlocksWasm';
import { REPO_ROOT } from '../../../../paths';
import { xorshiftBytes } from '../../../../fixtures/prng';
import { firstDifference } from './bitDifference';

function typeOf(name: string): { blockSize: number; typeSize: number } {
  const t = GGML_TYPES.find((x) => x.name === name);
  assert.ok(t, name);
  return t;
}

/** Byte offsets of each type's scale field (ggml-common.h block structs): half-precision, or MXFP4's E8M0 byte. */
const SCALES: Record<string, number[]> = { Q4_0: [0], Q8_0: [0], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208], MXFP4: [0] };
/** Special half scales: ±0, smallest/largest subnormal, smallest normal, largest finite, ±Inf, NaNs with payloads and sign. */
const SPECIAL_HALVES = [0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe5a];
/** Special E8M0 exponents: 2^-128 and 2^-127 (subnormal float32), 2^-126, 1, 2^126, 2^127 (12·2^127 overflows to Inf). */
const SPECIAL_E8M0 = [0, 1, 2, 127, 128, 254, 255];

/** Random blocks, the first ones with each special scale in each scale field. */
function blocksFor(name: string, nBlocks: number, seed: number): Uint8Array {
  const { typeSize } = typeOf(name);
  const raw = xorshiftBytes(nBlocks * typeSize, seed);
  let b = 0;
  for (const field of SCALES[name]) {
    for (const v of name === 'MXFP4' ? SPECIAL_E8M0 : SPECIAL_HALVES) {
      if (b >= nBlocks) break;
      const o = b++ * typeSize + field;
      raw[o] = v & 0xff;
      if (name !== 'MXFP4') raw[o + 1] = v >> 8;
    }
  }
  return raw;
}

test('WASM SIMD is available here, so the kernels are the path under test', () => {
  for (const name of WASM_BLOCK_TYPES) {
    const t = typeOf(name);
    assert.ok(wasmBlockDecoder(name, t.blockSize, t.typeSize), name);
  }
  assert.equal(wasmBlockDecoder('Q3_K', 256, 110), null, 'types without a kernel keep their JavaScript decoder');
});

for (const name of Object.keys(SCALES)) {
  test(`${name}: the WASM kernel equals the JavaScript decoder bit for bit, special scales, batch edges, odd offsets`, () => {
    const { blockSize: B, typeSize: S } = typeOf(name);
    const wasm = wasmBlockDecoder(name, B, S)!;
    const js = BLOCK_DECODERS[name];
    // More blocks than one batch (16384 values) holds, so the last batch is partial.
    for (const [nBlocks, seed] of [
      [1, 7],
      [23, 11],
      [Math.ceil(40000 / B) + 3, 12345],
    ]) {
      const lead = 5; // a source offset that is not a multiple of anything the kernel likes
      const raw = new Uint8Array(lead + nBlocks * S);
      raw.set(blocksFor(name, nBlocks, seed), lead);
      const want = new Float32Array(nBlocks * B + 3);
      const got = new Float32Array(nBlocks * B + 3);
      got.fill(-7);
      want.fill(-7);
      js(raw, lead, nBlocks, want, 3);
      wasm(raw, lead, nBlocks, got, 3);
      assert.equal(firstDifference(got, want), 'equal', `${nBlocks} blocks`);
      if (nBlocks > 20) {
        assert.ok(got.some((v) => Number.isNaN(v)) || name === 'MXFP4', 'a NaN scale was exercised');
        assert.ok(
          got.some((v) => !Number.isFinite(v) && !Number.isNaN(v)),
          'an infinite value was exercised',
        );
      }
    }
  });
}

test('the kernels, and the JavaScript decoders (the fallback without WASM SIMD), equal the numpy oracle bit for bit', () => {
  type Oracle = { types: Record<string, { ne: [number, number]; bytes: string; bits: number[] }> };
  const read = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles', file), 'utf8')) as Oracle;
  const types = { ...read('gguf_quants.json').types, ...read('gguf_iq_quants.json').types };
  assert.equal(WASM_BLOCK_TYPES.length, 17);
  for (const name of WASM_BLOCK_TYPES) {
    const t = types[name];
    assert.ok(t, `the oracle has ${name}`);
    const raw = new Uint8Array(Buffer.from(t.bytes, 'hex'));
    const { blockSize: B, typeSize: S } = typeOf(name);
    for (const decode of [BLOCK_DECODERS[name], wasmBlockDecoder(name, B, S)!]) {
      const out = new Float32Array(t.bits.length);
      decode(raw, 0, raw.length / S, out, 0);
      assert.deepEqual([...new Uint32Array(out.buffer)], t.bits, name);
    }
  }
});
