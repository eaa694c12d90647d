/**
 * GGUF dequantization throughput: a 4096 × 4096 tensor in Q4_0, Q4_K, Q5_K, Q6_K, Q8_0, MXFP4 and each i-quant and
 * ternary type (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, TQ1_0, TQ2_0), streamed to float32
 * through the tensor reader (streamF32: read + decode, reused buffers: the statistics path) against
 * raw fs reads of the same bytes into one reused buffer, in the same run; target ≥ 50 % of raw. The
 * types with a WASM SIMD kernel (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, MXFP4) are also decoded with the kernels turned
 * off, in the same repetitions: the JavaScript decoders they replace.
 * Block bytes are seeded random with finite half-precision scales. Warm page cache (each file is read
 * once first); repetitions alternate so load from other processes hits both sides alike; the best of
 * each is reported, with the peak resident memory. Data goes to .bench-data/gguf-decode and is deleted.
 *
 *   npm run bench ggufDecode        (or: node --import tsx bench/ggufDecode.bench.ts)
 */
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ggmlType } from '../src/analysis/io/gguf/ggmlTypes';
import { readGgufHeader } from '../src/analysis/io/gguf/ggufHeader';
import { WASM_BLOCK_TYPES } from '../src/analysis/io/gguf/ggmlBlocksWasm';
import { setDecodeWasmEnabled } from '../src/analysis/io/wasm/decodeKernelsWasm';
import { DEFAULT_CHUNK_BYTES, streamF32 } from '../src/analysis/io/tensorReader';
import { ggufTensorEntry } from '../src/analysis/model/gguf/openGguf';
import { writeGguf } from '../test/fixtures/ggufWriter';

const N = 4096;
const dataDir = join(__dirname, '..', '.bench-data', 'gguf-decode');
/** Type ids (ggml.h) and the byte offsets of each type's half-precision scale fields (ggml-common.h block structs). */
const TYPES: Record<string, { id: number; halves: number[] }> = {
  Q4_0: { id: 2, halves: [0] },
  Q4_K: { id: 12, halves: [0, 2] },
  Q5_K: { id: 13, halves: [0, 2] },
  Q6_K: { id: 14, halves: [208] },
  Q8_0: { id: 8, halves: [0] },
  // MXFP4's scale is an E8M0 byte, not a half: kept near 2^0 below.
  MXFP4: { id: 39, halves: [] },
  IQ2_XXS: { id: 16, halves: [0] },
  IQ2_XS: { id: 17, halves: [0] },
  IQ2_S: { id: 22, halves: [0] },
  IQ3_XXS: { id: 18, halves: [0] },
  IQ3_S: { id: 21, halves: [0] },
  IQ1_S: { id: 19, halves: [0] },
  // IQ1_M's half is spread over the top nibbles of its four scale words; its high byte is the top nibbles of bytes 53 and 55.
  IQ1_M: { id: 29, halves: [] },
  TQ1_0: { id: 34, halves: [52] },
  TQ2_0: { id: 35, halves: [64] },
};

function blocks(name: string): Uint8Array {
  const t = ggmlType(TYPES[name].id)!;
  const count = (N * N) / t.blockSize;
  const out = new Uint8Array(count * t.typeSize);
  let s = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  // Scales: 0x2000…0x27ff are finite halves around 2^-7.
  for (let b = 0; b < count; b++) for (const o of TYPES[name].halves) out[b * t.typeSize + o + 1] = 0x20 | (out[b * t.typeSize + o + 1] & 0x07);
  if (name === 'MXFP4') for (let b = 0; b < count; b++) out[b * t.typeSize] = 120 + (out[b * t.typeSize] & 15);
  if (name === 'IQ1_M')
    for (let b = 0; b < count; b++) {
      out[b * t.typeSize + 55] = 0x20 | (out[b * t.typeSize + 55] & 0x0f);
      out[b * t.typeSize + 53] &= 0x7f;
    }
  return out;
}

async function rawRead(file: string, start: number, length: number, buf: Uint8Array): Promise<void> {
  const fh = await open(file, 'r');
  try {
    for (let o = 0; o < length; o += buf.length) {
      const n = Math.min(buf.length, length - o);
      const { bytesRead } = await fh.read(buf, 0, n, start + o);
      if (bytesRead !== n) throw new Error('short read');
    }
  } finally {
    await fh.close();
  }
}

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  try {
    const only = process.argv[2];
    for (const name of Object.keys(TYPES).filter((n) => !only || n === only)) {
      const file = join(dataDir, `${name}.gguf`);
      const t = ggmlType(TYPES[name].id)!;
      writeGguf(file, { 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'w', type: t.id, ne: [N, N], bytes: blocks(name) }]);
      const h = await readGgufHeader(file);
      const info = h.tensors[0];
      const entry = ggufTensorEntry(info, file, h.stamp);
      const buf = new Uint8Array(DEFAULT_CHUNK_BYTES);
      await rawRead(file, info.dataStart, info.byteLength, buf);
      let sum = 0;
      const decode = () =>
        streamF32(entry, {}, (v) => {
          sum += v[0];
        });
      await decode();
      // The floor of any decoder: writing N² float32 values at all (chunks of the size streamF32 hands over).
      const out = new Float32Array(DEFAULT_CHUNK_BYTES / 4);
      const writeAll = () => {
        for (let e = 0; e < N * N; e += out.length) for (let k = 0; k < out.length; k++) out[k] = k;
      };
      writeAll();
      let bestRaw = Infinity;
      let bestDecode = Infinity;
      let bestWrite = Infinity;
      // Types with a WASM SIMD kernel: the JavaScript decoder (the fallback) too, in the same repetitions.
      const hasKernel = WASM_BLOCK_TYPES.includes(name);
      let bestJs = Infinity;
      for (let i = 0; i < 7; i++) {
        if (hasKernel) {
          setDecodeWasmEnabled(false);
          const tj = performance.now();
          await decode();
          bestJs = Math.min(bestJs, performance.now() - tj);
          setDecodeWasmEnabled(true);
        }
        const tw = performance.now();
        writeAll();
        bestWrite = Math.min(bestWrite, performance.now() - tw);
        let t0 = performance.now();
        await rawRead(file, info.dataStart, info.byteLength, buf);
        bestRaw = Math.min(bestRaw, performance.now() - t0);
        t0 = performance.now();
        await decode();
        bestDecode = Math.min(bestDecode, performance.now() - t0);
      }
      const mb = info.byteLength / 1e6;
      console.log(
        `${name} ${N}×${N} (${mb.toFixed(1)} MB): raw read ${bestRaw.toFixed(1)} ms (${(mb / bestRaw).toFixed(2)} GB/s), read + dequantize ${bestDecode.toFixed(1)} ms (${(mb / bestDecode).toFixed(2)} GB/s of blocks, ${((N * N) / bestDecode / 1e6).toFixed(2)} G values/s): ${((100 * bestRaw) / bestDecode).toFixed(0)} % of raw (target ≥ 50 %); only writing the ${N * N} float32 values takes ${bestWrite.toFixed(1)} ms${Number.isFinite(sum) ? '' : ' '}`,
      );
      if (hasKernel)
        console.log(
          `  ${name} JavaScript decoder (fallback without WASM SIMD): ${bestJs.toFixed(1)} ms (${((N * N) / bestJs / 1e6).toFixed(2)} G values/s, ${((100 * bestRaw) / bestJs).toFixed(0)} % of raw); WASM SIMD ${(bestJs / bestDecode).toFixed(2)}× faster`,
        );
    }
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
