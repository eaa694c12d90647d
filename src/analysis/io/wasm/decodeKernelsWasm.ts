/**
 * The decode kernels' WASM module (decodeKernels.wasm, AssemblyScript in this folder, built by
 * scripts/build-wasm.mjs and embedded as base64 so that tsx and the esbuild bundle run the same
 * bytes): one instance per thread, shared by every read on it (JavaScript runs one decode at a time
 * on a thread).
 *
 * Its four fixed pages are laid out as a batch of decoded float32 values (`out`), the raw bytes
 * they come from (`raw`) and, for block-scaled formats, their scales (`scales`). A caller copies a
 * batch of raw bytes in, runs a kernel and copies the values out to its own Float32Array: the
 * kernel's stores stay in cache, the destination is an ordinary array that nothing else keeps alive,
 * and no read creates a WebAssembly.Memory (a fresh one costs its page faults on first write, more
 * than the decode itself).
 */
import { DECODE_KERNELS_WASM_BASE64 } from './decodeKernelsWasmBytes';

export type BlockKernel = (dst: number, src: number, nBlocks: number) => void;

export interface DecodeKernels {
  q4_0: BlockKernel;
  q8_0: BlockKernel;
  q4_K: BlockKernel;
  q5_K: BlockKernel;
  q6_K: BlockKernel;
  mxfp4: BlockKernel;
  e4m3(dst: number, src: number, n: number): void;
  e4m3Scaled(dst: number, src: number, n: number, scales: number, bn: number, j0: number): void;
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
let enabled = true;

/** Turns the kernels off (and on again), so that benchmarks and tests can measure and check the JavaScript decoders they replace. */
export function setDecodeWasmEnabled(on: boolean): void {
  enabled = on;
}

/** The shared instance, or null where WebAssembly SIMD is unavailable or the kernels are turned off (then the JavaScript decoders run). */
export function decodeWasm(): DecodeWasm | null {
  if (!enabled) return null;
  if (instance === undefined) {
    try {
      const mod = new WebAssembly.Module(new Uint8Array(Buffer.from(DECODE_KERNELS_WASM_BASE64, 'base64')));
      const exports = new WebAssembly.Instance(mod, {}).exports as unknown as DecodeKernels & { memory: WebAssembly.Memory; heapBase(): number };
      const buffer = exports.memory.buffer;
      const outPtr = exports.heapBase();
      const rawPtr = outPtr + 4 * BATCH_VALUES;
      const scalesPtr = rawPtr + RAW_BYTES;
      if (scalesPtr + 4 * SCALE_VALUES > buffer.byteLength) throw new Error('decode kernel memory too small');
      instance = {
        kernels: exports,
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
