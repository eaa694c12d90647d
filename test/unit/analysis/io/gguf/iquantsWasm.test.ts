// The WASM SIMD kernels for the i-quants and ternary types (IQ4_NL, IQ4_XS, IQ2_XXS, IQ2_XS, IQ2_S,
// IQ3_XXS, IQ3_S, IQ1_S, IQ1_M, TQ1_0, TQ2_0) against the JavaScript decoders (themselves checked
// against test/oracles/gguf_iq_quants.py in dequant.test.ts and ggmlBlocksWasm.test.ts), bit for bit:
// blocks that use every grid entry and every sign pattern, with ±0, subnormal, largest, infinite and
// NaN scales, across batch boundaries and at odd offsets; run straight in a decode arena, nothing is
// written past the blocks; and through a GGUF file: whole reads, streams of several chunks and ranges
// that start and end inside a block row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK_DECODERS } from '../../../../../src/analysis/io/gguf/dequant';
import { GGML_TYPES } from '../../../../../src/analysis/io/gguf/ggmlTypes';
import { blockKernelOf, wasmBlockDecoder } from '../../../../../src/analysis/io/gguf/ggmlBlocksWasm';
import * as grids from '../../../../../src/analysis/io/gguf/iqGrids';
import { acquireArena, releaseArena } from '../../../../../src/analysis/io/wasm/decodeArena';
import type { BlockKernel } from '../../../../../src/analysis/io/wasm/decodeKernelsWasm';
import { readAllF32, readElementsF32, streamF32 } from '../../../../../src/analysis/io/tensorReader';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { writeGguf } from '../../../../fixtures/ggufWriter';
import { xorshift32 } from '../../../../fixtures/prng';
import { firstDifference } from './bitDifference';

const TYPES = ['IQ4_NL', 'IQ4_XS', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ3_XXS', 'IQ3_S', 'IQ1_S', 'IQ1_M', 'TQ1_0', 'TQ2_0'];

function typeOf(name: string): { id: number; blockSize: number; typeSize: number } {
  const t = GGML_TYPES.find((x) => x.name === name);
  assert.ok(t, name);
  return t;
}

/** Byte offset of the half-precision super-block scale (ggml-common.h block structs); IQ1_M spreads it over nibbles. */
const HALF_AT: Record<string, number> = { IQ4_NL: 0, IQ4_XS: 0, IQ2_XXS: 0, IQ2_XS: 0, IQ2_S: 0, IQ3_XXS: 0, IQ3_S: 0, IQ1_S: 0, TQ1_0: 52, TQ2_0: 64 };
/** ±0, smallest and largest subnormal, smallest normal, ±largest finite, ±Inf, a NaN. */
const SPECIAL_HALVES = [0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00];

function setHalf(raw: Uint8Array, o: number, name: string, h: number): void {
  if (name === 'IQ1_M') {
    // iq1m_scale_t: nibble k of the half is the top nibble of scale word k (bytes 49, 51, 53, 55).
    for (let k = 0; k < 4; k++) raw[o + 49 + 2 * k] = (raw[o + 49 + 2 * k] & 0x0f) | (((h >> (4 * k)) & 0xf) << 4);
  } else {
    raw[o + HALF_AT[name]] = h & 0xff;
    raw[o + HALF_AT[name] + 1] = h >> 8;
  }
}

function put32(raw: Uint8Array, o: number, v: number): void {
  for (let k = 0; k < 4; k++) raw[o + k] = (v >>> (8 * k)) & 0xff;
}

/**
 * `nBlocks` blocks of random bytes whose grid indices and sign fields count up, so that every grid
 * entry and every sign pattern occurs (`k` counts groups, `j` index bytes), and whose first blocks
 * carry each special scale. The sub-block scales stay random.
 */
function blocks(name: string, nBlocks: number, seed: number): Uint8Array {
  const S = typeOf(name).typeSize;
  const next = xorshift32(seed);
  const raw = new Uint8Array(nBlocks * S);
  for (let i = 0; i < raw.length; i++) raw[i] = next() & 0xff;
  for (let b = 0; b < nBlocks; b++) {
    const o = b * S;
    for (let ib = 0; ib < 8; ib++) {
      const k0 = 32 * b + 4 * ib; // group counter: groups k0 … k0 + 3 of this 32 values
      const sgn = (l: number) => ((k0 + l) * 5 + b) & 127;
      if (name === 'IQ2_XXS') {
        for (let l = 0; l < 4; l++) raw[o + 2 + 8 * ib + l] = (k0 + l) & 255;
        put32(raw, o + 6 + 8 * ib, sgn(0) | (sgn(1) << 7) | (sgn(2) << 14) | (sgn(3) << 21) | ((next() & 15) << 28));
      } else if (name === 'IQ2_XS') {
        for (let l = 0; l < 4; l++) {
          const w = ((k0 + l) & 511) | (sgn(l) << 9);
          raw[o + 2 + 8 * ib + 2 * l] = w & 0xff;
          raw[o + 3 + 8 * ib + 2 * l] = w >> 8;
        }
      } else if (name === 'IQ2_S') {
        let qh = 0;
        for (let l = 0; l < 4; l++) {
          const k = (k0 + l) & 1023;
          raw[o + 2 + 4 * ib + l] = k & 255;
          qh |= (k >> 8) << (2 * l);
          raw[o + 34 + 4 * ib + l] = ((k0 + l) * 7) & 255;
        }
        raw[o + 66 + ib] = qh;
      } else if (name === 'IQ3_XXS') {
        for (let j = 0; j < 8; j++) raw[o + 2 + 8 * ib + j] = (2 * k0 + j) & 255;
        put32(raw, o + 66 + 4 * ib, sgn(0) | (sgn(1) << 7) | (sgn(2) << 14) | (sgn(3) << 21) | ((next() & 15) << 28));
      } else if (name === 'IQ3_S') {
        let qh = 0;
        for (let j = 0; j < 8; j++) {
          const k = (2 * k0 + j) & 511;
          raw[o + 2 + 8 * ib + j] = k & 255;
          qh |= (k >> 8) << j;
        }
        raw[o + 66 + ib] = qh;
        for (let l = 0; l < 4; l++) raw[o + 74 + 4 * ib + l] = ((k0 + l) * 7) & 255;
      } else if (name === 'IQ1_S') {
        let qh = (next() & 7) << 12;
        for (let l = 0; l < 4; l++) {
          const k = (k0 + l) & 2047;
          raw[o + 2 + 4 * ib + l] = k & 255;
          qh |= (k >> 8) << (3 * l);
        }
        if ((b + ib) & 1) qh |= 0x8000;
        raw[o + 34 + 2 * ib] = qh & 0xff;
        raw[o + 35 + 2 * ib] = qh >> 8;
      } else if (name === 'IQ1_M') {
        for (let h = 0; h < 2; h++) {
          const ka = (k0 + 2 * h) & 2047;
          const kb = (k0 + 2 * h + 1) & 2047;
          raw[o + 4 * ib + 2 * h] = ka & 255;
          raw[o + 4 * ib + 2 * h + 1] = kb & 255;
          const signs = (b + 2 * ib + h) & 3;
          raw[o + 32 + 2 * ib + h] = (ka >> 8) | ((signs & 1) << 3) | ((kb >> 8) << 4) | ((signs >> 1) << 7);
        }
      }
    }
  }
  let b = 0;
  for (const h of SPECIAL_HALVES) if (b < nBlocks) setHalf(raw, b++ * S, name, h);
  return raw;
}

/** The JavaScript decoder's values for `nBlocks` blocks. */
function jsValues(name: string, raw: Uint8Array, nBlocks: number): Float32Array {
  const out = new Float32Array(nBlocks * typeOf(name).blockSize);
  BLOCK_DECODERS[name](raw, 0, nBlocks, out, 0);
  return out;
}

/** Blocks enough that every grid entry and sign pattern occurs (IQ1's 2048 entries, 4 per 32 values) and several 16384-value batches. */
function blockCount(name: string): number {
  return typeOf(name).blockSize === 32 ? 1600 : 200;
}

test('every i-quant and ternary type has a kernel, and the grids the kernels negate as integers hold no zero', () => {
  for (const name of TYPES) {
    const t = typeOf(name);
    assert.ok(blockKernelOf(name), name);
    assert.ok(wasmBlockDecoder(name, t.blockSize, t.typeSize), `${name}: WebAssembly SIMD is available here, so the kernel is the path under test`);
  }
  for (const g of [grids.IQ2XXS_GRID, grids.IQ2XS_GRID, grids.IQ2S_GRID, grids.IQ3XXS_GRID, grids.IQ3S_GRID]) assert.ok(g.every((v) => v > 0 && v < 128));
});

test('the test blocks use every grid entry and every sign pattern', () => {
  // Decoded |values| / db pick out the grid entry; checked here on the fields the generator writes.
  const raw = blocks('IQ2_S', blockCount('IQ2_S'), 3);
  const idx = new Set<number>();
  const signs = new Set<number>();
  for (let b = 0; b < blockCount('IQ2_S'); b++)
    for (let ib = 0; ib < 8; ib++)
      for (let l = 0; l < 4; l++) {
        const o = b * 82;
        idx.add(raw[o + 2 + 4 * ib + l] | (((raw[o + 66 + ib] >> (2 * l)) & 3) << 8));
        signs.add(raw[o + 34 + 4 * ib + l]);
      }
  assert.equal(idx.size, 1024);
  assert.equal(signs.size, 256);
  const r1 = blocks('IQ1_S', blockCount('IQ1_S'), 3);
  const idx1 = new Set<number>();
  for (let b = 0; b < blockCount('IQ1_S'); b++)
    for (let ib = 0; ib < 8; ib++) {
      const qh = r1[b * 50 + 34 + 2 * ib] | (r1[b * 50 + 35 + 2 * ib] << 8);
      for (let l = 0; l < 4; l++) idx1.add(r1[b * 50 + 2 + 4 * ib + l] | (((qh >> (3 * l)) & 7) << 8));
    }
  assert.equal(idx1.size, 2048);
});

for (const name of TYPES) {
  test(`${name}: the WASM kernel equals the JavaScript decoder bit for bit, every grid entry and sign pattern the type has, special scales, batch edges, odd offsets`, () => {
    const { blockSize: B, typeSize: S } = typeOf(name);
    const wasm = wasmBlockDecoder(name, B, S)!;
    const js = BLOCK_DECODERS[name];
    for (const [nBlocks, seed] of [
      [1, 7],
      [13, 11],
      [blockCount(name), 12345],
    ]) {
      const lead = 5; // a source offset that is not a multiple of anything the kernel likes
      const raw = new Uint8Array(lead + nBlocks * S);
      raw.set(blocks(name, nBlocks, seed), lead);
      const want = new Float32Array(nBlocks * B + 3).fill(-7);
      const got = new Float32Array(nBlocks * B + 3).fill(-7);
      js(raw, lead, nBlocks, want, 3);
      wasm(raw, lead, nBlocks, got, 3);
      assert.equal(firstDifference(got, want), 'equal', `${nBlocks} blocks`);
      if (nBlocks > 12) {
        const w = new Uint32Array(want.buffer);
        assert.ok(
          want.some((v) => Number.isNaN(v)),
          'a NaN scale was exercised',
        );
        assert.ok(want.some((v) => v === Infinity) && want.some((v) => v === -Infinity), 'infinite values were exercised');
        assert.ok(w.includes(0x80000000) && w.includes(0), '−0 and +0 were exercised');
        // Half subnormals are 2^-24 … 2^-14: a scale of 2^-24 gives values below 2^-14 (none below float32's normals).
        assert.ok(
          want.some((v) => v !== 0 && Math.abs(v) < 2 ** -14),
          'subnormal half scales were exercised',
        );
      }
    }
  });
}

test('run in a decode arena, each kernel writes exactly its blocks’ values and nothing past them', () => {
  for (const name of TYPES) {
    const B = typeOf(name).blockSize;
    const n = 37;
    const raw = blocks(name, n, 99);
    const arena = acquireArena(4 * (n * B + 64) + raw.length + 64);
    assert.ok(arena, 'an arena');
    try {
      const out = arena.base;
      const src = out + 4 * (n * B + 64);
      arena.bytes(src, raw.length).set(raw);
      const values = arena.values(out, n * B + 64);
      values.fill(-3);
      (arena.kernels[blockKernelOf(name)!] as BlockKernel)(out, src, n);
      assert.equal(firstDifference(values.slice(0, n * B), jsValues(name, raw, n)), 'equal', name);
      assert.ok(
        values.subarray(n * B).every((v) => v === -3),
        `${name}: nothing written past the blocks`,
      );
    } finally {
      releaseArena(arena);
    }
  }
});

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-iq-wasm-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of TYPES) {
  test(`${name} in a GGUF file: readAllF32, streamF32 in several chunks and ranges cut inside block rows equal the JavaScript decoder`, async () => {
    const t = typeOf(name);
    const cols = 2 * t.blockSize * (t.blockSize === 32 ? 8 : 1);
    const rows = 40;
    const nBlocks = (cols * rows) / t.blockSize;
    const raw = blocks(name, nBlocks, 2024);
    const file = join(dir, `${name}.gguf`);
    writeGguf(file, { 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'w.weight', type: t.id, ne: [cols, rows], bytes: raw }]);
    const entry = (await openModel(file)).tensors.get('w.weight')!;
    const want = jsValues(name, raw, nBlocks);
    assert.equal(firstDifference(await readAllF32(entry), want), 'equal', 'readAllF32');
    // Chunks of 3 block rows' worth, and of a single block: many chunks each, the last one short.
    for (const chunkBytes of [4 * 3 * cols, 4 * t.blockSize]) {
      const got = new Float32Array(want.length).fill(-9);
      let chunks = 0;
      await streamF32(entry, { chunkBytes }, (values, at) => {
        got.set(values, at);
        chunks++;
      });
      assert.ok(chunks >= 3, `${chunks} chunks`);
      assert.equal(firstDifference(got, want), 'equal', `streamF32, chunks of ${chunkBytes} bytes`);
    }
    for (const [first, count] of [
      [3, cols - 5], // inside one block row, cut at both ends
      [cols + 7, 2 * cols + 11], // across rows
      [t.blockSize - 1, 2], // two values either side of a block boundary
      [want.length - t.blockSize - 5, t.blockSize + 2], // to just before the end
    ]) {
      const got = await readElementsF32(entry, first, count);
      assert.equal(firstDifference(got, want.subarray(first, first + count)), 'equal', `elements ${first}…${first + count}`);
    }
  });
}
