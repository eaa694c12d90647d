// Fine-grained FP8 decoded in one pass: each value equals fround(e4m3(byte) · scale_inv[row / bm,
// col / bn]) computed here from the formats' definitions, through the WASM kernel and through the
// JavaScript fallback, for 128×128 blocks and for odd blocks (3×40, 1×1), ranges that start and end
// mid-row, scales that are 0, subnormal, infinite or NaN, and a file read in chunks that cut rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeE4M3BlockScaled, readE4M3BlockScaled, streamE4M3BlockScaled, type BlockScaleGrid } from '../../../../src/analysis/io/fp8BlockScaled';
import { readSafetensorsHeader } from '../../../../src/analysis/io/safetensors';
import { setDecodeWasmEnabled } from '../../../../src/analysis/io/wasm/decodeKernelsWasm';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { xorshiftBytes } from '../../../fixtures/prng';

function e4m3(b: number): number {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 15;
  const m = b & 7;
  if (e === 15 && m === 7) return NaN;
  return e === 0 ? s * m * 2 ** -9 : s * (1 + m / 8) * 2 ** (e - 7);
}

function gridFor(rows: number, cols: number, bm: number, bn: number): BlockScaleGrid {
  const sr = Math.ceil(rows / bm);
  const sc = Math.ceil(cols / bn);
  const special = [0, -0, 2 ** -140, Infinity, -Infinity, NaN, 1, -3.5e-3];
  const scales = new Float32Array(sr * sc);
  for (let i = 0; i < scales.length; i++) scales[i] = i < special.length ? special[i] : Math.fround(Math.sin(i) * 2 ** ((i % 20) - 12));
  return { scales, cols, gridCols: sc, block: [bm, bn] };
}

function want(src: Uint8Array, first: number, g: BlockScaleGrid): Float32Array {
  const out = new Float32Array(src.length);
  for (let k = 0; k < src.length; k++) {
    const r = Math.floor((first + k) / g.cols);
    const c = (first + k) % g.cols;
    out[k] = Math.fround(e4m3(src[k])) * g.scales[Math.floor(r / g.block[0]) * g.gridCols + Math.floor(c / g.block[1])];
  }
  return out;
}

function firstDifference(got: Float32Array, exp: Float32Array): string {
  for (let i = 0; i < exp.length; i++)
    if (!Object.is(got[i], exp[i]) && !(Number.isNaN(got[i]) && Number.isNaN(exp[i]))) return `value ${i}: ${got[i]} ≠ ${exp[i]}`;
  return 'equal';
}

const CASES: [string, number, number, number, number][] = [
  ['128×128 blocks', 300, 520, 128, 128],
  ['3×40 blocks', 50, 130, 3, 40],
  ['1×1 blocks', 20, 30, 1, 1],
  ['one block row, long rows', 4, 20000, 128, 128],
];

for (const wasm of [true, false]) {
  for (const [label, rows, cols, bm, bn] of CASES) {
    test(`${wasm ? 'WASM kernel' : 'JavaScript fallback'}, ${label}: whole matrix and ranges cut mid-row equal fround(e4m3 · scale)`, () => {
      setDecodeWasmEnabled(wasm);
      try {
        const g = gridFor(rows, cols, bm, bn);
        const all = xorshiftBytes(rows * cols, 0x1234567 + rows);
        for (const [first, count] of [
          [0, rows * cols],
          [cols + 7, 3 * cols + 5],
          [rows * cols - 1, 1],
          [11, 0],
        ]) {
          const out = new Float32Array(count + 1).fill(7);
          decodeE4M3BlockScaled(all.subarray(first, first + count), first, g, out, 0);
          assert.equal(out[count], 7, 'nothing written past the range');
          assert.equal(
            firstDifference(out.subarray(0, count), want(all.subarray(first, first + count), first, g)),
            'equal',
            `elements ${first}…${first + count}`,
          );
        }
      } finally {
        setDecodeWasmEnabled(true);
      }
    });
  }
}

test('a scale grid too small for the rows read is refused with the row named, a block of no columns with its sizes', () => {
  const g = gridFor(256, 256, 128, 128);
  const short = { ...g, scales: g.scales.subarray(0, 2) };
  assert.throws(() => decodeE4M3BlockScaled(new Uint8Array(256 * 200), 0, short, new Float32Array(256 * 200), 0), /no 128×128 block for row 199/);
  assert.throws(
    () => decodeE4M3BlockScaled(new Uint8Array(16), 0, { ...g, block: [128, 0] }, new Float32Array(16), 0),
    /128×0 block scale grid .* positive integer/,
  );
});

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll-fp8-block-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('readE4M3BlockScaled reads one expert of a 3-D F8_E4M3 tensor in chunks that cut rows, equal to the formula', async () => {
  const [E, R, C] = [2, 260, 384];
  const raw = xorshiftBytes(E * R * C, 0xbeef);
  const file = join(dir, 'fp8.safetensors');
  await writeSafetensors(file, [{ name: 'w', dtype: 'F8_E4M3', shape: [E, R, C], bytes: raw }]);
  const entry = (await readSafetensorsHeader(file)).tensors.find((t) => t.name === 'w')!;
  const g = gridFor(R, C, 128, 128);
  const start = R * C; // expert 1
  for (const wasm of [true, false]) {
    setDecodeWasmEnabled(wasm);
    try {
      for (const chunkBytes of [1000, 4096, 1 << 22]) {
        const got = await readE4M3BlockScaled(entry, start, start + 5 * C + 3, 100 * C, g, { chunkBytes });
        assert.equal(
          firstDifference(got, want(raw.subarray(start + 5 * C + 3, start + 105 * C + 3), 5 * C + 3, g)),
          'equal',
          `${wasm ? 'WASM' : 'JavaScript'}, chunks of ${chunkBytes} bytes`,
        );
      }
    } finally {
      setDecodeWasmEnabled(true);
    }
  }
  await assert.rejects(readE4M3BlockScaled({ ...entry, dtype: 'BF16' }, 0, 0, 1, g), /tensor 'w' is BF16, not F8_E4M3/);
});

test('streamE4M3BlockScaled hands over chunks in order, all in one reused memory, together equal to the formula; WASM and JavaScript', async () => {
  const [R, C] = [300, 520];
  const raw = xorshiftBytes(R * C, 0x5eed);
  const file = join(dir, 'fp8-stream.safetensors');
  await writeSafetensors(file, [{ name: 'w', dtype: 'F8_E4M3', shape: [R, C], bytes: raw }]);
  const entry = (await readSafetensorsHeader(file)).tensors.find((t) => t.name === 'w')!;
  const g = gridFor(R, C, 128, 128);
  const first = 2 * C + 7;
  const count = R * C - first - 11;
  const expected = want(raw.subarray(first, first + count), first, g);
  for (const wasm of [true, false]) {
    setDecodeWasmEnabled(wasm);
    try {
      // About a fifth of the range a chunk (chunkBytes counts float32 bytes), so the memory is reused.
      const chunkBytes = 4 * Math.ceil(count / 5);
      const got = new Float32Array(count).fill(7);
      const buffers = new Set<ArrayBufferLike>();
      let next = first;
      let chunks = 0;
      await streamE4M3BlockScaled(entry, 0, first, count, g, { chunkBytes }, (values, at) => {
        assert.equal(at, next, 'chunks arrive in order');
        buffers.add(values.buffer);
        got.set(values, at - first);
        next += values.length;
        chunks++;
      });
      assert.equal(next, first + count, 'the chunks cover the range');
      assert.ok(chunks >= 5, `${chunks} chunks`);
      assert.equal(buffers.size, 1, 'every chunk is decoded into the same memory');
      assert.equal(firstDifference(got, expected), 'equal', wasm ? 'WASM' : 'JavaScript');
    } finally {
      setDecodeWasmEnabled(true);
    }
  }
});
