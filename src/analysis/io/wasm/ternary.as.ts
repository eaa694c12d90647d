/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// The ternary types (values −d, 0, d), 128-bit WASM SIMD, bit for bit ggml/src/ggml-quants.c
// (`dequantize_row_tq1_0`, `dequantize_row_tq2_0`; block structs in ggml-common.h) and the
// JavaScript decoders (../gguf/dequantTernary.ts). Each value is (q − 1)·d with q ∈ {0, 1, 2}: one
// exact float32 multiplication (a zero keeps the sign of d, as in C).
import { emitSigned, halfToF32 } from './ggmlBlocks.as';

/**
 * Digit n of sixteen TQ1_0 bytes x (five base-3 digits each, as a fixed-point fraction), minus 1:
 * the byte times 3^n wraps to 8 bits (C: `uint8_t q = x * pow3[n]`) and the digit is (q·3) >> 8.
 * `mLo` / `mHi` hold 3^n for the low / high eight bytes, per lane.
 */
function trits(x: v128, mLo: v128, mHi: v128): v128 {
  const ff = i16x8.splat(0xff);
  const three = i16x8.splat(3);
  const lo = i16x8.shr_u(i16x8.mul(v128.and(i16x8.mul(i16x8.extend_low_i8x16_u(x), mLo), ff), three), 8);
  const hi = i16x8.shr_u(i16x8.mul(v128.and(i16x8.mul(i16x8.extend_high_i8x16_u(x), mHi), ff), three), 8);
  return i8x16.sub(i8x16.narrow_i16x8_u(lo, hi), i8x16.splat(1));
}

/**
 * block_tq1_0 (54 bytes): qs[48] (five values per byte) · qh[4] (four per byte) · half d. Values
 * 0–159: digit n of byte m (m < 32) is value 32n + m; 160–239: digit n of byte 32 + m (m < 16) is
 * value 160 + 16n + m; 240–255: digit n (< 4) of qh[j] is value 240 + 4n + j.
 */
export function tq1_0(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const d = f32x4.splat(halfToF32(<u32>load<u16>(src, 52)));
    const x0 = v128.load(src);
    const x1 = v128.load(src, 16);
    const x2 = v128.load(src, 32);
    let p: i16 = 1;
    for (let k = 0; k < 5; k++) {
      const m = i16x8.splat(p);
      emitSigned(dst + 128 * k, trits(x0, m, m), d);
      emitSigned(dst + 128 * k + 64, trits(x1, m, m), d);
      emitSigned(dst + 640 + 64 * k, trits(x2, m, m), d);
      p *= 3;
    }
    // qh[0…3] repeated four times: lanes 4n…4n+3 take digit n.
    const h = i32x4.splat(load<u32>(src, 48));
    emitSigned(dst + 960, trits(h, i16x8(1, 1, 1, 1, 3, 3, 3, 3), i16x8(9, 9, 9, 9, 27, 27, 27, 27)), d);
    src += 54;
    dst += 1024;
  }
}

/** block_tq2_0 (66 bytes): qs[64] (2 bits per value) · half d. Each 128 values use 32 bytes: bits 2l…2l+1 of byte m are value 32l + m. */
export function tq2_0(dst: usize, src: usize, n: i32): void {
  const three = i8x16.splat(3);
  const one = i8x16.splat(1);
  for (let i = 0; i < n; i++) {
    const d = f32x4.splat(halfToF32(<u32>load<u16>(src, 64)));
    for (let j = 0; j < 64; j += 32) {
      const x0 = v128.load(src + j);
      const x1 = v128.load(src + j, 16);
      for (let l = 0; l < 4; l++) {
        emitSigned(dst, i8x16.sub(v128.and(i8x16.shr_u(x0, 2 * l), three), one), d);
        emitSigned(dst + 64, i8x16.sub(v128.and(i8x16.shr_u(x1, 2 * l), three), one), d);
        dst += 128;
      }
    }
    src += 66;
  }
}
