/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (the entry scripts/build-wasm.mjs compiles to decodeKernels.wasm), not TypeScript.
// Decode kernels for quantized and 8-bit float weights, 128-bit WASM SIMD: GGUF blocks (ggmlBlocks.as.ts),
// FP8 E4M3, plain or with block scales (fp8.as.ts), gpt-oss's safetensors MXFP4 (mxfp4.as.ts) and
// GPTQ / AWQ 4-bit weights (groupedInt4.as.ts).
// Its only import is its memory: four pages that decodeKernelsWasm.ts lays out, or a stream's
// larger one (decodeArena.ts).
export { q4_0, q8_0, q4_K, q5_K, q6_K, mxfp4 } from './ggmlBlocks.as';
export { e4m3, e4m3Scaled } from './fp8.as';
export { mxfp4Groups } from './mxfp4.as';
export { gptq4, awq4 } from './groupedInt4.as';

/** Where the caller may put data: the end of the module's static data, 16-byte aligned. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
