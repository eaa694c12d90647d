// GPTQ and AWQ 4-bit weights: the WASM SIMD kernels (io/wasm/groupedInt4.as.ts) give, bit for bit,
// the values of the JavaScript lookup-table decoders (checked against the packing oracle in
// decoders.test.ts), over random packed words and zero points and scales that include the edge
// values of each dtype: float16 subnormals, ±65504 (whose products overflow to ±Infinity), ±0,
// ±Infinity and NaN; bfloat16 and float32 extremes; act-order g_idx, group sizes that are and are
// not multiples of the kernels' steps; ranges cut inside rows; and matrices wide enough to be
// decoded in several strips and batches; and scales in the normal range only (the kernels' short path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAwq } from '../../../../../src/analysis/io/quant/awqDecode';
import { decodeGptq } from '../../../../../src/analysis/io/quant/gptqDecode';
import type { PartReader } from '../../../../../src/analysis/io/quant/types';
import { decodeWasm, setDecodeWasmEnabled } from '../../../../../src/analysis/io/wasm/decodeKernelsWasm';
import type { TensorEntry } from '../../../../../src/analysis/model/types';
import type { DType } from '../../../../../src/analysis/io/dtypes';

let seed = 0x12345678;
function next(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}
function words(n: number): Int32Array {
  return Int32Array.from({ length: n }, () => next() | 0);
}

/**
 * Scale bit patterns: random in a sensible range, with every edge value of the dtype sprinkled in;
 * or (`normal`) only zeros and values whose products stay in the dtype's normal range, the kernels'
 * short path.
 */
function scaleBytes(dtype: 'F16' | 'BF16' | 'F32', n: number, normal = false): Uint8Array {
  if (dtype === 'F32') {
    const edge = [0, 0x80000000, 0x00000001, 0x007fffff, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x3c23d70a];
    return new Uint8Array(
      Uint32Array.from({ length: n }, (_, i) =>
        i < edge.length && !normal ? edge[i] : next() % 5 === 0 && !normal ? next() : 0x3a000000 + (next() % 0x2000000),
      ).buffer,
    );
  }
  if (normal)
    // float16: exponents 1…25 (2^-14 ≤ |s| < 2^11); bfloat16: exponents 1…250; either sign; a few zeros.
    return new Uint8Array(
      Uint16Array.from({ length: n }, (_, i) =>
        i % 97 === 0 ? (i & 1) << 15 : (next() & 0x8000) | (dtype === 'F16' ? 0x0400 + (next() % 0x6400) : 0x0080 + (next() % 0x7d00)),
      ).buffer,
    );
  const edge =
    dtype === 'F16'
      ? [0, 0x8000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x1000, 0x2001, 0x2fff]
      : [0, 0x8000, 0x0001, 0x007f, 0x0080, 0x7f7f, 0xff7f, 0x7f80, 0xff80, 0x7fc0, 0xffc1, 0x3c01];
  // Random halves spread over the exponents (subnormal to large), some negative.
  return new Uint8Array(
    Uint16Array.from({ length: n }, (_, i) =>
      i < edge.length ? edge[i] : next() % 4 === 0 ? next() & 0xffff : (next() & 0x8000) | (dtype === 'F16' ? next() % 0x5000 : 0x3000 + (next() % 0x1800)),
    ).buffer,
  );
}

function part(name: string, dtype: DType, shape: number[], bytes: Uint8Array): TensorEntry & { bytes: Uint8Array } {
  return { name, dtype, shape, file: '', dataStart: 0, byteLength: bytes.byteLength, bytes };
}

/** A reader of in-memory parts (no file stamp, so nothing is cached between cases). */
const reader: PartReader = {
  elementsF32: () => Promise.reject(new Error('not used')),
  rawChunks: () => Promise.reject(new Error('not used')),
  bytesInto: async (p, first, count, _o, dest) => {
    const eb = p.byteLength / p.shape.reduce((a, b) => a * b, 1);
    dest.set((p as TensorEntry & { bytes: Uint8Array }).bytes.subarray(first * eb, (first + count) * eb));
  },
};

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

type Decoder = typeof decodeGptq;

/** The decoder's values with and without the kernels, for the whole matrix and for cut ranges. */
async function compare(decoder: Decoder, entry: TensorEntry, what: string): Promise<void> {
  const [rows, cols] = entry.shape;
  const total = rows * cols;
  const ranges: [number, number][] = [
    [0, total],
    [3 * cols, 8 * cols],
    [cols + 5, 3 * cols + 7],
    [total - 2, 2],
  ];
  for (const [first, count] of ranges) {
    setDecodeWasmEnabled(false);
    let js: Float32Array;
    try {
      js = await decoder(entry, first, count, {}, reader);
    } finally {
      setDecodeWasmEnabled(true);
    }
    const wasm = await decoder(entry, first, count, {}, reader);
    const a = bitsOf(wasm);
    const b = bitsOf(js);
    const bad = a.findIndex((x, i) => x !== b[i]);
    assert.equal(
      bad,
      -1,
      `${what}, elements ${first}…${first + count}: value ${bad} is 0x${a[bad]?.toString(16)} with the kernel, 0x${b[bad]?.toString(16)} without`,
    );
  }
}

test('WASM SIMD is available here, so the kernels are the path under test', () => {
  assert.ok(decodeWasm());
});

for (const dtype of ['F16', 'BF16', 'F32'] as const)
  test(`GPTQ int4, ${dtype} scales: the kernel equals the JavaScript decoder bit for bit (act-order, plain groups, v1 and v2 zeros)`, async () => {
    for (const [n, out, groupSize, actOrder, zeroOffset, normal] of [
      [64, 24, 16, true, 1, false],
      [64, 24, 32, false, 0, false],
      [64, 24, 32, true, 1, true], // scales in the normal range only: the kernel's short rounding
      [96, 16, 12, false, 1, false], // a group size that is not a multiple of 8
      [65536, 132, 128, true, 1, false], // several strips (32 rows each) and batches of four rows
    ] as const) {
      const groups = Math.ceil(n / groupSize);
      const gIdx = Int32Array.from({ length: n }, (_, i) => (actOrder ? next() % groups : Math.floor(i / groupSize)));
      const qw = part('qweight', 'I32', [n / 8, out], new Uint8Array(words((n / 8) * out).buffer));
      const qz = part('qzeros', 'I32', [groups, out / 8], new Uint8Array(words((groups * out) / 8).buffer));
      const sc = part('scales', dtype, [groups, out], scaleBytes(dtype, groups * out, normal));
      const gi = part('g_idx', 'I32', [n], new Uint8Array(gIdx.buffer));
      const entry: TensorEntry = {
        name: 'w',
        dtype: 'F32',
        shape: [out, n],
        file: '',
        dataStart: 0,
        byteLength: 0,
        quant: {
          scheme: 'gptq',
          label: 'GPTQ int4',
          params: { bits: 4, groupSize, groups, inFeatures: n, outFeatures: out, zeroOffset, scaleDtype: dtype, hasGIdx: actOrder },
          parts: [qw, qz, sc, gi],
        },
      };
      await compare(decodeGptq, entry, `GPTQ ${out}×${n} g${groupSize}${actOrder ? ' act-order' : ''}${normal ? ', normal-range scales' : ''}`);
    }
  });

for (const dtype of ['F16', 'BF16', 'F32'] as const)
  test(`AWQ int4, ${dtype} scales: the kernel equals the JavaScript decoder bit for bit (cut ranges fall back to it)`, async () => {
    for (const [n, out, groupSize, normal] of [
      [64, 32, 16, false],
      [128, 48, 32, false],
      [128, 48, 32, true], // scales in the normal range only: the kernel's short rounding
      [60, 16, 6, false], // a group size that is not a multiple of 4: the JavaScript decoder throughout
      [65536, 136, 128, false], // several strips (64 rows each) and batches of 8 rows
    ] as const) {
      const groups = Math.ceil(n / groupSize);
      const qw = part('qweight', 'I32', [n, out / 8], new Uint8Array(words((n * out) / 8).buffer));
      const qz = part('qzeros', 'I32', [groups, out / 8], new Uint8Array(words((groups * out) / 8).buffer));
      const sc = part('scales', dtype, [groups, out], scaleBytes(dtype, groups * out, normal));
      const entry: TensorEntry = {
        name: 'w',
        dtype: 'F32',
        shape: [out, n],
        file: '',
        dataStart: 0,
        byteLength: 0,
        quant: {
          scheme: 'awq',
          label: 'AWQ int4',
          params: { groupSize, groups, inFeatures: n, outFeatures: out, scaleDtype: dtype },
          parts: [qw, qz, sc],
        },
      };
      await compare(decodeAwq, entry, `AWQ ${out}×${n} g${groupSize}${normal ? ', normal-range scales' : ''}`);
    }
  });
