/**
 * gpt-oss's MXFP4 experts as their safetensors checkpoints store them (transformers
 * `integrations/mxfp4.py`, `convert_moe_packed_tensors`): `*_blocks` U8 `[E, rows, groups, 16]`,
 * each byte two E2M1 codes (low nibble the even value, high nibble the odd one), and `*_scales`
 * `[E, rows, groups]`, one E8M0 exponent byte per group of 32 values (U8, or the format's own
 * F8_E8M0: the raw byte either way); a value is `FP4_VALUES[code] · 2^(e − 127)` (`torch.ldexp`).
 *
 * One expert's matrix is streamed: the exponents first (one byte per 32 values), then the blocks
 * chunk by chunk, read straight into a decode arena and decoded there by the WASM SIMD kernel
 * (wasm/mxfp4.as.ts), or without WebAssembly SIMD by the loop below; both equal the test reference (test/unit/analysis/io/mxfp4Reference.ts, written from transformers) bit for bit.
 */
import type { TensorEntry } from '../model/types';
import { streamThroughArena } from './wasm/arenaStream';
import { DEFAULT_CHUNK_BYTES, forEachRawChunk, PART_READER, readBytesInto, type ChunkOptions } from './tensorReader';
import { BATCH_VALUES, decodeWasm, SCALE_VALUES } from './wasm/decodeKernelsWasm';

/** E2M1 code → value, the reference's `FP4_VALUES` (code 8 is −0). */
const FP4_VALUES: readonly number[] = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/** Groups per kernel call: a batch of values, and its exponents within the scales region. */
const GROUPS_PER_BATCH = Math.min(BATCH_VALUES / 32, 4 * SCALE_VALUES);

/**
 * Decodes `exps.length` groups, 16 bytes each in `bytes` (exactly that many), to 32 float32 values
 * each, into `out` from `at`.
 */
export function decodeMxfp4Into(bytes: Uint8Array, exps: Uint8Array, out: Float32Array, at: number): void {
  const groups = exps.length;
  if (bytes.length !== 16 * groups) throw new Error(`MXFP4 blocks: ${bytes.length} bytes for ${groups} groups of 16`);
  if (out.length < at + 32 * groups) throw new Error(`MXFP4: ${32 * groups} values do not fit from element ${at} of ${out.length}`);
  const w = decodeWasm();
  if (!w) {
    for (let g = 0; g < groups; g++) {
      // Exact in float64, then rounded once to float32 on store: the reference's float32 product.
      const scale = 2 ** (exps[g] - 127);
      const src = 16 * g;
      const dst = at + 32 * g;
      for (let k = 0; k < 16; k++) {
        const b = bytes[src + k];
        out[dst + 2 * k] = FP4_VALUES[b & 15] * scale;
        out[dst + 2 * k + 1] = FP4_VALUES[b >> 4] * scale;
      }
    }
    return;
  }
  const expBytes = new Uint8Array(w.scales.buffer, w.scalesPtr, GROUPS_PER_BATCH);
  for (let g = 0; g < groups; g += GROUPS_PER_BATCH) {
    const m = Math.min(GROUPS_PER_BATCH, groups - g);
    w.raw.set(bytes.subarray(16 * g, 16 * (g + m)));
    expBytes.set(exps.subarray(g, g + m));
    w.kernels.mxfp4Groups(w.outPtr, w.rawPtr, w.scalesPtr, m);
    out.set(w.out.subarray(0, 32 * m), at + 32 * g);
  }
}

/** Checks the parts' dtypes and returns the expert's groups, `rows · groups`. */
function expertGroups(blocks: TensorEntry, scales: TensorEntry, rows: number, groups: number): number {
  if (blocks.dtype !== 'U8') throw new Error(`MXFP4 blocks '${blocks.name}' are ${blocks.dtype}, not U8`);
  if (scales.dtype !== 'U8' && scales.dtype !== 'F8_E8M0')
    throw new Error(`MXFP4 scales '${scales.name}' are ${scales.dtype}, not E8M0 exponents (U8 or F8_E8M0)`);
  return rows * groups;
}

/**
 * Expert `expert`'s matrix `[rows, groups · 32]` of MXFP4 blocks `[E, rows, groups, 16]` and their
 * exponents `[E, rows, groups]`, streamed chunk by chunk in order to `consume` (its values only
 * valid during the call; `chunkBytes` counts a chunk's float32 values). The exponents are read into
 * a decode arena first, then the blocks straight into its raw slots, decoded there by the WASM
 * kernel (wasm/arenaStream.ts); without WebAssembly SIMD, into one array every chunk reuses.
 */
export async function streamMxfp4Expert(
  blocks: TensorEntry,
  scales: TensorEntry,
  expert: number,
  rows: number,
  groups: number,
  opts: ChunkOptions,
  consume: (values: Float32Array, firstValue: number) => void | Promise<void>,
): Promise<void> {
  const n = expertGroups(blocks, scales, rows, groups);
  const base = expert * n * 16;
  // Whole groups per chunk (16 bytes, 32 values each), at least the reader's 64-byte minimum.
  const raw = Math.max(64, Math.floor((opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) / 128) * 16);
  const streamed = await streamThroughArena(
    { part: blocks, first: base, count: 16 * n, chunkBytes: raw, chunkValues: 2 * raw, tableBytes: n },
    opts,
    PART_READER,
    (arena, tables) => readBytesInto(scales, expert * n, n, opts, arena.bytes(tables, n)),
    ({ arena, src, out, tables, first, bytes }) => {
      arena.kernels.mxfp4Groups(out, src, tables + (first - base) / 16, bytes / 16);
      return 2 * bytes;
    },
    (values, chunk) => consume(values, 2 * (chunk.first - base)),
  );
  if (streamed) return;
  const exps = new Uint8Array(n);
  await readBytesInto(scales, expert * n, n, opts, exps);
  const values = new Float32Array(2 * raw);
  await forEachRawChunk(blocks, base, 16 * n, { ...opts, chunkBytes: raw }, async (bytes, first) => {
    const g0 = (first - base) / 16;
    decodeMxfp4Into(bytes, exps.subarray(g0, g0 + bytes.length / 16), values, 0);
    await consume(values.subarray(0, 2 * bytes.length), 32 * g0);
  });
}

/**
 * Expert `expert`'s matrix (as streamMxfp4Expert): a new array, or with `into` (at least that long)
 * its first elements. Each chunk's values are copied once, from the arena to the result.
 */
export async function readMxfp4Expert(
  blocks: TensorEntry,
  scales: TensorEntry,
  expert: number,
  rows: number,
  groups: number,
  opts: ChunkOptions = {},
  into?: Float32Array,
): Promise<Float32Array> {
  const n = expertGroups(blocks, scales, rows, groups);
  if (into && into.length < 32 * n) throw new Error(`a destination of ${into.length} values cannot hold the ${32 * n} values of '${blocks.name}'`);
  const out = into ? into.subarray(0, 32 * n) : new Float32Array(32 * n);
  await streamMxfp4Expert(blocks, scales, expert, rows, groups, opts, (values, first) => out.set(values, first));
  return out;
}
