/**
 * The decode kernels' WASM module (decodeKernels.wasm, AssemblyScript in this folder, built by
 * scripts/build-wasm.mjs and embedded as base64 so that tsx and the esbuild bundle run the same
 * bytes). Its memory is imported: one shared instance per thread in four fixed pages, used by every
 * batch-and-copy read on it (JavaScript runs one decode at a time on a thread), and instances in
 * the larger memories of decode arenas (decodeArena.ts), which streams and the GPTQ / AWQ kernels
 * keep from one chunk to the next.
 *
 * The shared instance's pages are laid out as a batch of decoded float32 values (`out`), the raw
 * bytes they come from (`raw`) and, for block-scaled formats, their scales (`scales`). A caller
 * copies a batch of raw bytes in, runs a kernel and copies the values out to its own Float32Array:
 * the kernel's stores stay in cache, the destination is an ordinary array that nothing else keeps
 * alive, and no read of a whole tensor creates a WebAssembly.Memory (a fresh one costs its page
 * faults on first write, more than the decode itself).
 */
import { DECODE_KERNELS_WASM_BASE64 } from './decodeKernelsWasmBytes';
import { fillIqTables } from './iqTablesWasm';

export type BlockKernel = (dst: number, src: number, nBlocks: number) => void;

export interface DecodeKernels {
  q4_0: BlockKernel;
  q8_0: BlockKernel;
  q4_K: BlockKernel;
  q5_K: BlockKernel;
  q6_K: BlockKernel;
  mxfp4: BlockKernel;
  /** The i-quants and ternary types (iq4.as.ts, iqGrid.as.ts, iq1.as.ts, ternary.as.ts). */
  iq4_nl: BlockKernel;
  iq4_xs: BlockKernel;
  iq2_xxs: BlockKernel;
  iq2_xs: BlockKernel;
  iq2_s: BlockKernel;
  iq3_xxs: BlockKernel;
  iq3_s: BlockKernel;
  iq1_s: BlockKernel;
  iq1_m: BlockKernel;
  tq1_0: BlockKernel;
  tq2_0: BlockKernel;
  e4m3(dst: number, src: number, n: number): void;
  e4m3Scaled(dst: number, src: number, n: number, scales: number, bn: number, j0: number): void;
  /** `n` E4M3 bytes from row `r`, column `c` of a matrix `cols` wide, each times its block's scale from the grid at `scales` (fp8.as.ts). */
  e4m3BlockRows(dst: number, src: number, n: number, r: number, c: number, cols: number, scales: number, gridCols: number, bm: number, bn: number): void;
  /** gpt-oss MXFP4: `n` groups of 16 bytes at `src`, their exponent bytes at `exps`, 32 values each to `dst`. */
  mxfp4Groups(dst: number, src: number, exps: number, n: number): void;
  /** GPTQ 4-bit rows `r0 … r1` of a strip, tables `[groups, tableStride]` (groupedInt4.as.ts; mode 0 float32, 1 / 3 float16, 2 / 4 bfloat16 scales). */
  gptq4(
    dst: number,
    qw: number,
    stride: number,
    r0: number,
    r1: number,
    n: number,
    scales: number,
    zeros: number,
    tableStride: number,
    gidx: number,
    mode: number,
  ): void;
  /** AWQ 4-bit rows `8·c0 … 8·c1` of a strip (groupedInt4.as.ts). */
  awq4(
    dst: number,
    qw: number,
    stride: number,
    c0: number,
    c1: number,
    n: number,
    scales: number,
    zeros: number,
    groups: number,
    groupSize: number,
    mode: number,
  ): void;
}

/** Values per batch: 64 KiB of float32, which stays in L2 between the kernel's stores and the copy out. */
export const BATCH_VALUES = 16384;
/** Room for a batch's raw bytes, and for its float32 scales. */
export const RAW_BYTES = 65536;
export const SCALE_VALUES = 8192;

export interface DecodeWasm {
  kernels: DecodeKernels;
  /** Byte addresses of the three regions in the module's memory. */
  outPtr: number;
  rawPtr: number;
  scalesPtr: number;
  /** Views of the regions (the memory has a fixed size, so these never detach). */
  out: Float32Array;
  raw: Uint8Array;
  scales: Float32Array;
}

let instance: DecodeWasm | null | undefined;
let compiled: WebAssembly.Module | null | undefined;
let enabled = true;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
function decodeModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(new Uint8Array(Buffer.from(DECODE_KERNELS_WASM_BASE64, 'base64')));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The kernels and first free byte address (16-byte aligned) of an instance running in `memory` (at least 4 pages). */
export interface KernelInstance {
  kernels: DecodeKernels;
  heapBase: number;
}

/**
 * An instance of the kernels in `memory`, or null where WebAssembly SIMD is unavailable or the
 * kernels are turned off. Instances are cheap: the module is compiled once, and the i-quant grids
 * (33 KiB) are copied in.
 */
export function kernelsIn(memory: WebAssembly.Memory): KernelInstance | null {
  const mod = enabled ? decodeModule() : null;
  if (!mod) return null;
  const exports = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as DecodeKernels & {
    heapBase(): number;
    iqTables(): number;
    iqTableBytes(): number;
  };
  // The i-quant kernels read their grids from the memory (iqTables.as.ts): copied in once per instance.
  fillIqTables(memory, exports);
  return { kernels: exports, heapBase: exports.heapBase() };
}

/** Turns the kernels off (and on again), so that benchmarks and tests can measure and check the JavaScript decoders they replace. */
export function setDecodeWasmEnabled(on: boolean): void {
  enabled = on;
}

/** The shared instance, or null where WebAssembly SIMD is unavailable or the kernels are turned off (then the JavaScript decoders run). */
export function decodeWasm(): DecodeWasm | null {
  if (!enabled) return null;
  if (instance === undefined) {
    try {
      const memory = new WebAssembly.Memory({ initial: 4, maximum: 4 });
      const k = kernelsIn(memory);
      if (!k) throw new Error('WebAssembly SIMD is unavailable');
      const buffer = memory.buffer;
      const outPtr = k.heapBase;
      const rawPtr = outPtr + 4 * BATCH_VALUES;
      const scalesPtr = rawPtr + RAW_BYTES;
      if (scalesPtr + 4 * SCALE_VALUES > buffer.byteLength) throw new Error('decode kernel memory too small');
      instance = {
        kernels: k.kernels,
        outPtr,
        rawPtr,
        scalesPtr,
        out: new Float32Array(buffer, outPtr, BATCH_VALUES),
        raw: new Uint8Array(buffer, rawPtr, RAW_BYTES),
        scales: new Float32Array(buffer, scalesPtr, SCALE_VALUES),
      };
    } catch {
      instance = null;
    }
  }
  return instance;
}
