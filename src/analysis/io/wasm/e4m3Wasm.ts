/**
 * F8_E4M3 (float8 e4m3fn) → float32 through the WASM SIMD kernel (fp8.as.ts), the same values as
 * the byte table in ../dtypes.ts, several times faster than the table loop.
 */
import { BATCH_VALUES, decodeWasm } from './decodeKernelsWasm';

/** Below this many values the table loop is as fast as a kernel call with its two copies. */
export const E4M3_WASM_MIN_VALUES = 256;

/** Decodes every byte of `src` into `out` from `at`; false (nothing written) where the kernel is unavailable. */
export function e4m3Wasm(src: Uint8Array, out: Float32Array, at: number): boolean {
  const w = decodeWasm();
  if (!w) return false;
  for (let k = 0; k < src.length; k += BATCH_VALUES) {
    const m = Math.min(BATCH_VALUES, src.length - k);
    w.raw.set(src.subarray(k, k + m));
    w.kernels.e4m3(w.outPtr, w.rawPtr, m);
    out.set(m === BATCH_VALUES ? w.out : w.out.subarray(0, m), at + k);
  }
  return true;
}
