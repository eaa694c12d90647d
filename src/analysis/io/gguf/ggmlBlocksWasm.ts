/**
 * GGUF block dequantization through the WASM SIMD kernels (../wasm/ggmlBlocks.as.ts, iq4.as.ts,
 * iqGrid.as.ts, iq1.as.ts, ternary.as.ts): Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, MXFP4, the i-quants (IQ4_NL,
 * IQ4_XS, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M) and the ternary types (TQ1_0, TQ2_0),
 * bit for bit the values of the JavaScript decoders in dequantLegacy.ts / dequantK.ts / dequantIQ.ts
 * / dequantIQ1.ts / dequantTernary.ts, several times faster. Batches of blocks are decoded in the kernels' own memory and
 * copied out (../wasm/decodeKernelsWasm.ts says why).
 */
import { BATCH_VALUES, decodeWasm, RAW_BYTES, type DecodeKernels } from '../wasm/decodeKernelsWasm';
import type { BlockDecoder } from './dequantTables';

/** ggml type name → the kernel. */
const KERNEL_OF: Readonly<Record<string, keyof DecodeKernels>> = {
  Q4_0: 'q4_0',
  Q8_0: 'q8_0',
  Q4_K: 'q4_K',
  Q5_K: 'q5_K',
  Q6_K: 'q6_K',
  MXFP4: 'mxfp4',
  IQ4_NL: 'iq4_nl',
  IQ4_XS: 'iq4_xs',
  IQ2_XXS: 'iq2_xxs',
  IQ2_XS: 'iq2_xs',
  IQ2_S: 'iq2_s',
  IQ3_XXS: 'iq3_xxs',
  IQ3_S: 'iq3_s',
  IQ1_S: 'iq1_s',
  IQ1_M: 'iq1_m',
  TQ1_0: 'tq1_0',
  TQ2_0: 'tq2_0',
};

/** The types with a WASM kernel. */
export const WASM_BLOCK_TYPES: readonly string[] = Object.keys(KERNEL_OF);

/** The kernel that decodes whole blocks of ggml type `typeName`, `(dst, src, nBlocks)` by byte address, or null. */
export function blockKernelOf(typeName: string): keyof DecodeKernels | null {
  return KERNEL_OF[typeName] ?? null;
}

/**
 * A BlockDecoder for ggml type `typeName` (blocks of `blockSize` values in `typeSize` bytes) running
 * the WASM kernel, or null when the type has none or WebAssembly SIMD is unavailable.
 */
export function wasmBlockDecoder(typeName: string, blockSize: number, typeSize: number): BlockDecoder | null {
  const name = KERNEL_OF[typeName];
  const w = name ? decodeWasm() : null;
  if (!w || !name) return null;
  const kernel = w.kernels[name] as (dst: number, src: number, n: number) => void;
  const perBatch = Math.min(Math.floor(BATCH_VALUES / blockSize), Math.floor(RAW_BYTES / typeSize));
  const { out, raw, outPtr, rawPtr } = w;
  return (src, off, nBlocks, dst, dstOff) => {
    for (let b = 0; b < nBlocks; b += perBatch) {
      const m = Math.min(perBatch, nBlocks - b);
      raw.set(src.subarray(off + b * typeSize, off + (b + m) * typeSize));
      kernel(outPtr, rawPtr, m);
      dst.set(out.subarray(0, m * blockSize), dstOff + b * blockSize);
    }
  };
}
