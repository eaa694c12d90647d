/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// GGUF block dequantization, 128-bit WASM SIMD, bit for bit the same values as ggml/src/ggml-quants.c
// (`dequantize_row_q4_0`, `_q8_0`, `_q4_K`, `_q5_K`, `_q6_K`, `_mxfp4`; block structs in
// ggml/src/ggml-common.h) and as the JavaScript decoders beside this folder
// (../gguf/dequantLegacy.ts, ../gguf/dequantK.ts). Every product is one float32 multiplication of a float32 scale and
// a small integer, and every `d·q − m` a float32 multiply then a float32 subtract, as in the C code.
// Pointers are byte offsets into the module's own memory; `n` counts whole blocks.

/** GGML_FP16_TO_FP32: IEEE half bits → float32, exact. */
export function halfToF32(h: u32): f32 {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp == 0) {
    const v = <f32>mant * <f32>5.9604644775390625e-8; // mant · 2^-24, exact
    return sign ? -v : v;
  }
  if (exp == 31) return reinterpret<f32>(sign | 0x7f800000 | (mant << 13));
  return reinterpret<f32>(sign | ((exp + 112) << 23) | (mant << 13));
}

/** Sixteen signed bytes → 16 float32 values times `d`, stored from `dst`. */
export function emitSigned(dst: usize, q: v128, d: v128): void {
  const lo = i16x8.extend_low_i8x16_s(q);
  const hi = i16x8.extend_high_i8x16_s(q);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), d));
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), d), 16);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), d), 32);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), d), 48);
}

/** Sixteen unsigned bytes q → 16 float32 values (d·q) − m, stored from `dst`. */
function emitAffine(dst: usize, q: v128, d: v128, m: v128): void {
  const lo = i16x8.extend_low_i8x16_u(q);
  const hi = i16x8.extend_high_i8x16_u(q);
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)), d), m));
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), d), m), 16);
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), d), m), 32);
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), d), m), 48);
}

/** block_q8_0 (34 bytes): half d · int8 qs[32]; x = qs[j]·d. */
export function q8_0(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const d = f32x4.splat(halfToF32(<u32>load<u16>(src)));
    const a = v128.load(src, 2);
    const b = v128.load(src, 18);
    emitSigned(dst, a, d);
    emitSigned(dst + 64, b, d);
    src += 34;
    dst += 128;
  }
}

/** get_scale_min_k4: the j-th 6-bit scale (which = 0) or min (which = 1) of the 12 scale bytes at q. */
function scaleMinK4(q: usize, j: i32, which: i32): u32 {
  if (j < 4) return (<u32>load<u8>(q + j + 4 * which)) & 63;
  if (which == 0) return ((<u32>load<u8>(q + j + 4)) & 0xf) | (((<u32>load<u8>(q + j - 4)) >> 6) << 4);
  return ((<u32>load<u8>(q + j + 4)) >> 4) | (((<u32>load<u8>(q + j)) >> 6) << 4);
}

/** block_q4_K (144 bytes): half d · half dmin · scales[12] · qs[128]; each 64 values: low nibbles with scale/min 2k, high with 2k+1; x = (d·sc)·q − (dmin·m). */
export function q4_K(dst: usize, src: usize, n: i32): void {
  const mask = i8x16.splat(0x0f);
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    const dmin = halfToF32(<u32>load<u16>(src, 2));
    const sc = src + 4;
    let q = src + 16;
    for (let is = 0; is < 8; is += 2) {
      const d1 = f32x4.splat(d * <f32>scaleMinK4(sc, is, 0));
      const m1 = f32x4.splat(dmin * <f32>scaleMinK4(sc, is, 1));
      const d2 = f32x4.splat(d * <f32>scaleMinK4(sc, is + 1, 0));
      const m2 = f32x4.splat(dmin * <f32>scaleMinK4(sc, is + 1, 1));
      const x0 = v128.load(q);
      const x1 = v128.load(q, 16);
      emitAffine(dst, v128.and(x0, mask), d1, m1);
      emitAffine(dst + 64, v128.and(x1, mask), d1, m1);
      emitAffine(dst + 128, i8x16.shr_u(x0, 4), d2, m2);
      emitAffine(dst + 192, i8x16.shr_u(x1, 4), d2, m2);
      q += 32;
      dst += 256;
    }
    src += 144;
  }
}

/** block_q6_K (210 bytes): ql[128] · qh[64] · int8 scales[16] · half d; each 128 values: x = (d·sc)·(q − 32), q = 4 low bits | 2 high bits << 4. */
export function q6_K(dst: usize, src: usize, n: i32): void {
  const lo4 = i8x16.splat(0x0f);
  const b45 = i8x16.splat(0x30);
  const k32 = i8x16.splat(32);
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src, 208));
    for (let half = 0; half < 2; half++) {
      const ql = src + 64 * half;
      const qh = src + 128 + 32 * half;
      const sc = src + 192 + 8 * half;
      // Values l < 16 use scales sc[0], sc[2], sc[4], sc[6]; l ≥ 16 the next ones (C: is = l / 16).
      for (let g = 0; g < 2; g++) {
        const a = v128.load(ql + 16 * g);
        const b = v128.load(ql + 32 + 16 * g);
        const h = v128.load(qh + 16 * g);
        const q0 = v128.or(v128.and(a, lo4), v128.and(i8x16.shl(h, 4), b45));
        const q1 = v128.or(v128.and(b, lo4), v128.and(i8x16.shl(h, 2), b45));
        const q2 = v128.or(i8x16.shr_u(a, 4), v128.and(h, b45));
        const q3 = v128.or(i8x16.shr_u(b, 4), v128.and(i8x16.shr_u(h, 2), b45));
        const o = dst + 64 * g;
        emitSigned(o, i8x16.sub(q0, k32), f32x4.splat(d * <f32>load<i8>(sc + g)));
        emitSigned(o + 128, i8x16.sub(q1, k32), f32x4.splat(d * <f32>load<i8>(sc + g + 2)));
        emitSigned(o + 256, i8x16.sub(q2, k32), f32x4.splat(d * <f32>load<i8>(sc + g + 4)));
        emitSigned(o + 384, i8x16.sub(q3, k32), f32x4.splat(d * <f32>load<i8>(sc + g + 6)));
      }
      dst += 512;
    }
    src += 210;
  }
}

/**
 * block_mxfp4 (17 bytes): E8M0 e · 16 bytes of E2M1 nibbles (low nibbles values 0…15, high 16…31);
 * x = kvalues_mxfp4[q] · GGML_E8M0_TO_FP32_HALF(e), the latter 2^(e − 128), no NaN for e = 255.
 */
export function mxfp4(dst: usize, src: usize, n: i32): void {
  const k = i8x16(0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);
  const mask = i8x16.splat(0x0f);
  for (let i = 0; i < n; i++) {
    const e = <u32>load<u8>(src);
    // 2^(e − 128): subnormal for e < 2 (2^-128 = bit 21, 2^-127 = bit 22), else exponent field e − 1.
    const bits: u32 = e >= 2 ? (e - 1) << 23 : (<u32>1) << (21 + e);
    const d = f32x4.splat(reinterpret<f32>(bits));
    const x = v128.load(src, 1);
    emitSigned(dst, i8x16.swizzle(k, v128.and(x, mask)), d);
    emitSigned(dst + 64, i8x16.swizzle(k, i8x16.shr_u(x, 4)), d);
    src += 17;
    dst += 128;
  }
}

/** block_q4_0 (18 bytes): half d · 16 bytes, low nibbles values 0…15, high nibbles 16…31; x = (q − 8)·d. */
export function q4_0(dst: usize, src: usize, n: i32): void {
  const mask = i8x16.splat(0x0f);
  const eight = i8x16.splat(8);
  for (let i = 0; i < n; i++) {
    const d = f32x4.splat(halfToF32(<u32>load<u16>(src)));
    const x = v128.load(src, 2);
    emitSigned(dst, i8x16.sub(v128.and(x, mask), eight), d);
    emitSigned(dst + 64, i8x16.sub(i8x16.shr_u(x, 4), eight), d);
    src += 18;
    dst += 128;
  }
}

/**
 * block_q5_K (176 bytes): half d · half dmin · scales[12] · qh[32] (fifth bits) · qs[128]; like
 * Q4_K, with 16 added where the value's bit of qh is set (bit 2k for the low nibbles of the k-th 64
 * values, bit 2k + 1 for the high ones).
 */
export function q5_K(dst: usize, src: usize, n: i32): void {
  const mask = i8x16.splat(0x0f);
  const sixteen = i8x16.splat(16);
  const zero = i8x16.splat(0);
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    const dmin = halfToF32(<u32>load<u16>(src, 2));
    const sc = src + 4;
    const h0 = v128.load(src, 16);
    const h1 = v128.load(src, 32);
    let q = src + 48;
    let u1: i32 = 1;
    for (let is = 0; is < 8; is += 2) {
      const d1 = f32x4.splat(d * <f32>scaleMinK4(sc, is, 0));
      const m1 = f32x4.splat(dmin * <f32>scaleMinK4(sc, is, 1));
      const d2 = f32x4.splat(d * <f32>scaleMinK4(sc, is + 1, 0));
      const m2 = f32x4.splat(dmin * <f32>scaleMinK4(sc, is + 1, 1));
      const b1 = i8x16.splat(<i8>u1);
      const b2 = i8x16.splat(<i8>(u1 << 1));
      const x0 = v128.load(q);
      const x1 = v128.load(q, 16);
      // 16 where the bit is set: the all-ones lanes of (h & bit) ≠ 0, masked to 16.
      emitAffine(dst, v128.or(v128.and(x0, mask), v128.and(i8x16.ne(v128.and(h0, b1), zero), sixteen)), d1, m1);
      emitAffine(dst + 64, v128.or(v128.and(x1, mask), v128.and(i8x16.ne(v128.and(h1, b1), zero), sixteen)), d1, m1);
      emitAffine(dst + 128, v128.or(i8x16.shr_u(x0, 4), v128.and(i8x16.ne(v128.and(h0, b2), zero), sixteen)), d2, m2);
      emitAffine(dst + 192, v128.or(i8x16.shr_u(x1, 4), v128.and(i8x16.ne(v128.and(h1, b2), zero), sixteen)), d2, m2);
      q += 32;
      dst += 256;
      u1 <<= 2;
    }
    src += 176;
  }
}
