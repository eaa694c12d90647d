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

// The kernels below widen bytes to float32 by interleaving them with zero bytes (one unpack
// instruction per step, where the sign- or zero-extensions take up to two): byte q lands in the top
// byte of a 32-bit lane, q·2^24, converted exactly, and the scale comes pre-multiplied by 2^-24 (exact:
// their scales are float16 values, at least 2^-24, times small integers, so nothing underflows).
// (q·2^24)·(d·2^-24) is the same real number as q·d, rounded once the same way: the same float32.
// Their vector constants are loaded from memory before the loops: as constants, the compiled loops
// would rebuild each of them on every use (V8 materializes a v128.const where it is used).
const CONSTS = memory.data<u8>(
  [
    // 0x0f, 0x30, 32 and 8 in every byte
    0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
    0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  ],
  16,
);
const TWO_M24: f32 = 5.9604644775390625e-8;

/**
 * Sixteen bytes q (signed, or unsigned below 128) → 16 float32 values q·d, `d24` being d·2^-24
 * (see above), then minus `m` if `affine`, stored from `dst`.
 */
function emit24(dst: usize, q: v128, d24: v128, m: v128, affine: bool): void {
  const z = i8x16.splat(0);
  // q·2^8 in 16-bit lanes, then q·2^24 in 32-bit lanes.
  const lo = i8x16.shuffle(z, q, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const hi = i8x16.shuffle(z, q, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  let a = f32x4.mul(f32x4.convert_i32x4_s(i8x16.shuffle(z, lo, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23)), d24);
  let b = f32x4.mul(f32x4.convert_i32x4_s(i8x16.shuffle(z, lo, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31)), d24);
  let c = f32x4.mul(f32x4.convert_i32x4_s(i8x16.shuffle(z, hi, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23)), d24);
  let e = f32x4.mul(f32x4.convert_i32x4_s(i8x16.shuffle(z, hi, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31)), d24);
  if (affine) {
    a = f32x4.sub(a, m);
    b = f32x4.sub(b, m);
    c = f32x4.sub(c, m);
    e = f32x4.sub(e, m);
  }
  v128.store(dst, a);
  v128.store(dst, b, 16);
  v128.store(dst, c, 32);
  v128.store(dst, e, 48);
}

/** block_q8_0 (34 bytes): half d · int8 qs[32]; x = qs[j]·d. */
export function q8_0(dst: usize, src: usize, n: i32): void {
  const none = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const d = f32x4.splat(halfToF32(<u32>load<u16>(src)) * TWO_M24);
    inline.always(emit24(dst, v128.load(src, 2), d, none, false));
    inline.always(emit24(dst + 64, v128.load(src, 18), d, none, false));
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
  const mask = v128.load(CONSTS);
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    const dmin = halfToF32(<u32>load<u16>(src, 2));
    const d24 = d * TWO_M24;
    const sc = src + 4;
    let q = src + 16;
    for (let is = 0; is < 8; is += 2) {
      // d·sc·2^-24 is (d·sc)·2^-24 exactly: the C code's float32 d·sc, scaled by a power of two.
      const d1 = f32x4.splat(d24 * <f32>scaleMinK4(sc, is, 0));
      const m1 = f32x4.splat(dmin * <f32>scaleMinK4(sc, is, 1));
      const d2 = f32x4.splat(d24 * <f32>scaleMinK4(sc, is + 1, 0));
      const m2 = f32x4.splat(dmin * <f32>scaleMinK4(sc, is + 1, 1));
      const x0 = v128.load(q);
      const x1 = v128.load(q, 16);
      inline.always(emit24(dst, v128.and(x0, mask), d1, m1, true));
      inline.always(emit24(dst + 64, v128.and(x1, mask), d1, m1, true));
      inline.always(emit24(dst + 128, v128.and(i16x8.shr_u(x0, 4), mask), d2, m2, true));
      inline.always(emit24(dst + 192, v128.and(i16x8.shr_u(x1, 4), mask), d2, m2, true));
      q += 32;
      dst += 256;
    }
    src += 144;
  }
}

/** block_q6_K (210 bytes): ql[128] · qh[64] · int8 scales[16] · half d; each 128 values: x = (d·sc)·(q − 32), q = 4 low bits | 2 high bits << 4. */
export function q6_K(dst: usize, src: usize, n: i32): void {
  const lo4 = v128.load(CONSTS);
  const b45 = v128.load(CONSTS, 16);
  const k32 = v128.load(CONSTS, 32);
  const none = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const d24 = halfToF32(<u32>load<u16>(src, 208)) * TWO_M24;
    for (let half = 0; half < 2; half++) {
      const ql = src + 64 * half;
      const qh = src + 128 + 32 * half;
      const sc = src + 192 + 8 * half;
      // Values l < 16 use scales sc[0], sc[2], sc[4], sc[6]; l ≥ 16 the next ones (C: is = l / 16).
      for (let g = 0; g < 2; g++) {
        const a = v128.load(ql + 16 * g);
        const b = v128.load(ql + 32 + 16 * g);
        const h = v128.load(qh + 16 * g);
        // 16-bit shifts: the bits they carry across bytes fall outside the masks.
        const q0 = v128.or(v128.and(a, lo4), v128.and(i16x8.shl(h, 4), b45));
        const q1 = v128.or(v128.and(b, lo4), v128.and(i16x8.shl(h, 2), b45));
        const q2 = v128.or(v128.and(i16x8.shr_u(a, 4), lo4), v128.and(h, b45));
        const q3 = v128.or(v128.and(i16x8.shr_u(b, 4), lo4), v128.and(i16x8.shr_u(h, 2), b45));
        const o = dst + 64 * g;
        inline.always(emit24(o, i8x16.sub(q0, k32), f32x4.splat(d24 * <f32>load<i8>(sc + g)), none, false));
        inline.always(emit24(o + 128, i8x16.sub(q1, k32), f32x4.splat(d24 * <f32>load<i8>(sc + g + 2)), none, false));
        inline.always(emit24(o + 256, i8x16.sub(q2, k32), f32x4.splat(d24 * <f32>load<i8>(sc + g + 4)), none, false));
        inline.always(emit24(o + 384, i8x16.sub(q3, k32), f32x4.splat(d24 * <f32>load<i8>(sc + g + 6)), none, false));
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
  const mask = v128.load(CONSTS);
  const eight = v128.load(CONSTS, 48);
  const none = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const d = f32x4.splat(halfToF32(<u32>load<u16>(src)) * TWO_M24);
    const x = v128.load(src, 2);
    inline.always(emit24(dst, i8x16.sub(v128.and(x, mask), eight), d, none, false));
    inline.always(emit24(dst + 64, i8x16.sub(v128.and(i16x8.shr_u(x, 4), mask), eight), d, none, false));
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
