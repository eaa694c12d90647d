/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (the entry scripts/build-wasm.mjs compiles to decodeKernels.wasm), not TypeScript.
// Decode kernels for quantized and 8-bit float weights, 128-bit WASM SIMD: GGUF blocks (ggmlBlocks.as.ts;
// the i-quants and ternary types in iq4.as.ts, iqGrid.as.ts, iq1.as.ts, ternary.as.ts, their grids in
// the region of iqTables.as.ts that the host fills),
// FP8 E4M3, plain or with block scales (fp8.as.ts), gpt-oss's safetensors MXFP4 (mxfp4.as.ts) and
// GPTQ / AWQ 4-bit weights (groupedInt4.as.ts).
// Its only import is its memory: four pages that decodeKernelsWasm.ts lays out, or a stream's
// larger one (decodeArena.ts).
export { q4_0, q8_0, q4_K, q5_K, q6_K, mxfp4 } from './ggmlBlocks.as';
export { iq4_nl, iq4_xs } from './iq4.as';
export { iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s } from './iqGrid.as';
export { iq1_s, iq1_m } from './iq1.as';
export { tq1_0, tq2_0 } from './ternary.as';
import { IQ_TABLES, IQ_TABLE_BYTES } from './iqTables.as';
export { iqTables, iqTableBytes } from './iqTables.as';
export { e4m3, e4m3Scaled, e4m3BlockRows } from './fp8.as';
export { mxfp4Groups } from './mxfp4.as';
export { gptq4, awq4 } from './groupedInt4.as';

/** Where the caller may put data: past the module's static data and the i-quant grids, 16-byte aligned. */
export function heapBase(): usize {
  return (IQ_TABLES + <usize>IQ_TABLE_BYTES + 15) & ~15;
}
