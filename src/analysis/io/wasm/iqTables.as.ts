/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// Where the i-quant grids live in the module's memory: the first IQ_TABLE_BYTES of the heap (heapBase
// in index.as.ts starts past them), which every instance's host fills once when it makes the
// instance (decodeKernelsWasm.ts copies ../gguf/iqGrids.ts there: the tables the JavaScript decoders
// and their oracle tests use, so the source holds one copy of them and the module none). The kernels
// (iqGrid.as.ts, iq1.as.ts) read entry k of a grid at `IQ_TABLES + offset + width·k`.

/** Byte offsets of each grid in the region, in the order iqTablesWasm.ts lays them out. */
export const IQ2XXS: usize = 0; // iq2xxs_grid, 256 × 8 bytes
export const IQ2XS: usize = 2048; // iq2xs_grid, 512 × 8
export const IQ2S: usize = 6144; // iq2s_grid, 1024 × 8
export const IQ3XXS: usize = 14336; // iq3xxs_grid, 256 × 4
export const IQ3S: usize = 15360; // iq3s_grid, 512 × 4
export const IQ1S: usize = 17408; // iq1s_grid, 2048 × 8 signed bytes
export const IQ_TABLE_BYTES: i32 = 33792;

/** The region: the start of the heap, 16-byte aligned. */
export const IQ_TABLES: usize = (__heap_base + 15) & ~15;

/** The region's address, for the host to fill. */
export function iqTables(): usize {
  return IQ_TABLES;
}

/** The region's size in bytes, which the host checks against what it copies. */
export function iqTableBytes(): i32 {
  return IQ_TABLE_BYTES;
}
