/**
 * GGUF dequantization throughput: a 4096 × 4096 tensor in Q4_0, Q4_K, Q5_K, Q6_K, Q8_0, MXFP4 and each i-quant and
 * ternary type (IQ4_NL, IQ4_XS, IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, TQ1_0, TQ2_0), read and decoded to
 * float32 three ways, each against raw fs reads of the same bytes into one reused buffer in the same run
 * (target ≥ 50 % of raw):
 *  - streamed (streamF32, the statistics path): every chunk decoded into the same memory (for the
 *    types with a WASM kernel, the stream's arena: read straight into it, decoded in place);
 *  - new array per chunk: the same 1 Mi-value chunks each read into a new array (readElementsF32),
 *    which is what a stream did before it reused its memory;
 *  - whole: readAllF32, one new 64 MiB array (what a matrix read costs).
 * The types with a WASM SIMD kernel (all of these) are also streamed with the kernels turned off, in
 * the same repetitions: the JavaScript decoders they replace.
 * Block bytes are seeded random with finite half-precision scales. Warm page cache (each file is read
 * once first); repetitions alternate so load from other processes hits both sides alike; the best of
 * each is reported, with the peak resident memory. Data goes to .bench-data/gguf-decode and is deleted.
 * With --cold (Linux, root) the page cache is dropped before each timed raw read and stream instead,
 * so both read the file from the disk (pageCache.ts); only those two are timed then.
 *
 *   npm run bench ggufDecode        (or: node --import tsx bench/ggufDecode.bench.ts [--cold] [TYPE…])
 */
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ggmlType } from '../src/analysis/io/gguf/ggmlTypes';
import { readGgufHeader } from '../src/analysis/io/gguf/ggufHeader';
import { WASM_BLOCK_TYPES } from '../src/analysis/io/gguf/ggmlBlocksWasm';
import { setDecodeWasmEnabled } from '../src/analysis/io/wasm/decodeKernelsWasm';
import { DEFAULT_CHUNK_BYTES, readAllF32, readElementsF32, streamF32 } from '../src/analysis/io/tensorReader';
import { ggufTensorEntry } from '../src/analysis/model/gguf/openGguf';
import { writeGguf } from '../test/fixtures/ggufWriter';
import { dropPageCache, flushToDisk } from './pageCache';

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
  IQ4_NL: { id: 20, halves: [0] },
  IQ4_XS: { id: 23, halves: [0] },
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
    const cold = process.argv.includes('--cold');
    const only = process.argv.slice(2).filter((a) => a !== '--cold');
    for (const name of Object.keys(TYPES).filter((n) => only.length === 0 || only.includes(n))) {
      const file = join(dataDir, `${name}.gguf`);
      const t = ggmlType(TYPES[name].id)!;
      writeGguf(file, { 'general.architecture': { type: 'string', value: 'llama' } }, [{ name: 'w', type: t.id, ne: [N, N], bytes: blocks(name) }]);
      const h = await readGgufHeader(file);
      const info = h.tensors[0];
      const entry = ggufTensorEntry(info, file, h.stamp);
      const buf = new Uint8Array(DEFAULT_CHUNK_BYTES);
      await rawRead(file, info.dataStart, info.byteLength, buf);
      if (cold) {
        flushToDisk();
        let sumCold = 0;
        let [coldRaw, coldStream] = [Infinity, Infinity];
        for (let i = 0; i < 5; i++) {
          dropPageCache();
          let t0 = performance.now();
          await rawRead(file, info.dataStart, info.byteLength, buf);
          coldRaw = Math.min(coldRaw, performance.now() - t0);
          dropPageCache();
          t0 = performance.now();
          await streamF32(entry, {}, (v) => void (sumCold += v[0]));
          coldStream = Math.min(coldStream, performance.now() - t0);
        }
        const mb = info.byteLength / 1e6;
        console.log(
          `${name} ${N}×${N} (${mb.toFixed(1)} MB), cold page cache: raw read ${coldRaw.toFixed(1)} ms (${(mb / coldRaw).toFixed(2)} GB/s); streamed ${coldStream.toFixed(1)} ms, ${((N * N) / coldStream / 1e6).toFixed(2)} G values/s, ${(coldRaw / coldStream).toFixed(2)} of raw (target ≥ 0.50)${Number.isFinite(sumCold) ? '' : ' '}`,
        );
        continue;
      }
      let sum = 0;
      const decode = () =>
        streamF32(entry, {}, (v) => {
          sum += v[0];
        });
      // The chunks streamF32 hands over (1 Mi values of the default 4 MiB), each into a new array.
      const chunk = DEFAULT_CHUNK_BYTES / 4;
      const perChunk = async () => {
        for (let e = 0; e < N * N; e += chunk) sum += (await readElementsF32(entry, e, Math.min(chunk, N * N - e)))[0];
      };
      const whole = async () => {
        sum += (await readAllF32(entry))[0];
      };
      await decode();
      let bestRaw = Infinity;
      let bestDecode = Infinity;
      let bestPerChunk = Infinity;
      let bestWhole = Infinity;
      // Types with a WASM SIMD kernel: the JavaScript decoder (the fallback) too, in the same repetitions.
      const hasKernel = WASM_BLOCK_TYPES.includes(name);
      let bestJs = Infinity;
      const time = async (f: () => Promise<void>, best: number) => {
        const t0 = performance.now();
        await f();
        return Math.min(best, performance.now() - t0);
      };
      for (let i = 0; i < 7; i++) {
        if (hasKernel) {
          setDecodeWasmEnabled(false);
          bestJs = await time(decode, bestJs);
          setDecodeWasmEnabled(true);
        }
        bestRaw = await time(() => rawRead(file, info.dataStart, info.byteLength, buf), bestRaw);
        bestDecode = await time(decode, bestDecode);
        bestPerChunk = await time(perChunk, bestPerChunk);
        bestWhole = await time(whole, bestWhole);
      }
      const mb = info.byteLength / 1e6;
      const rate = (ms: number) => `${ms.toFixed(1)} ms, ${((N * N) / ms / 1e6).toFixed(2)} G values/s, ${(bestRaw / ms).toFixed(2)} of raw`;
      console.log(
        `${name} ${N}×${N} (${mb.toFixed(1)} MB): raw read ${bestRaw.toFixed(1)} ms (${(mb / bestRaw).toFixed(2)} GB/s); streamed, reused memory: ${rate(bestDecode)} (target ≥ 0.50); new array per chunk: ${rate(bestPerChunk)}; whole, one new array: ${rate(bestWhole)}${Number.isFinite(sum) ? '' : ' '}`,
      );
      if (hasKernel)
        console.log(
          `  ${name} streamed by the JavaScript decoder (fallback without WASM SIMD): ${rate(bestJs)}; WASM SIMD ${(bestJs / bestDecode).toFixed(2)}× faster`,
        );
    }
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
