/**
 * gpt-oss's MXFP4 experts as their safetensors checkpoints store them (transformers
 * `integrations/mxfp4.py`, `convert_moe_packed_tensors`): `*_blocks` U8 `[E, rows, groups, 16]`,
 * each byte two E2M1 codes (low nibble the even value, high nibble the odd one), and `*_scales`
 * `[E, rows, groups]`, one E8M0 exponent byte per group of 32 values (U8, or the format's own
 * F8_E8M0: the raw byte either way); a value is `FP4_VALUES[code] · 2^(e − 127)` (`torch.ldexp`).
 *
 * One expert's matrix is read straight into its result: the exponents first (one byte per 32
 * values), then the blocks chunk by chunk, each chunk decoded by the WASM SIMD kernel
 * (wasm/mxfp4.as.ts) in batches, or without WebAssembly SIMD by the loop below; both equal
 * the test reference (test/unit/analysis/io/mxfp4Reference.ts, written from transformers) bit for bit.
 */
import type { TensorEntry } from '../model/types';
import { DEFAULT_CHUNK_BYTES, forEachRawChunk, readBytesInto, type ChunkOptions } from './tensorReader';
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

/**
 * Expert `expert`'s matrix `[rows, groups · 32]` of MXFP4 blocks `[E, rows, groups, 16]` and their
 * exponents `[E, rows, groups]`: a new array, or with `into` (at least that long) its first elements.
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
  if (blocks.dtype !== 'U8') throw new Error(`MXFP4 blocks '${blocks.name}' are ${blocks.dtype}, not U8`);
  if (scales.dtype !== 'U8' && scales.dtype !== 'F8_E8M0')
    throw new Error(`MXFP4 scales '${scales.name}' are ${scales.dtype}, not E8M0 exponents (U8 or F8_E8M0)`);
  const n = rows * groups;
  if (into && into.length < 32 * n) throw new Error(`a destination of ${into.length} values cannot hold the ${32 * n} values of '${blocks.name}'`);
  const out = into ? into.subarray(0, 32 * n) : new Float32Array(32 * n);
  const exps = new Uint8Array(n);
  await readBytesInto(scales, expert * n, n, opts, exps);
  const base = expert * n * 16;
  // Chunks of whole groups: a multiple of 16 bytes (the reader's own step is 8).
  const chunkBytes = Math.max(64, Math.floor((opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) / 16) * 16);
  await forEachRawChunk(blocks, base, 16 * n, { ...opts, chunkBytes }, (bytes, first) => {
    const g0 = (first - base) / 16;
    decodeMxfp4Into(bytes, exps.subarray(g0, g0 + bytes.length / 16), out, 32 * g0);
  });
  return out;
}
