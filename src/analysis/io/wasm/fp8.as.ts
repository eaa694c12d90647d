/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// float8 e4m3fn (PyTorch `float8_e4m3fn`, the safetensors F8_E4M3) → float32, 128-bit WASM SIMD, the
// same values as ../dtypes.ts's table: bias 7, no infinities, S.1111.111 is NaN, subnormals m·2^-9.
// e4m3Scaled also multiplies by one float32 per `bn` values, transformers' fine-grained FP8
// dequantization (integrations/finegrained_fp8.py: weight · weight_scale_inv per 128×128 block),
// a float32 multiplication exactly like the scalar loop it replaces.

const NAN_BITS: u32 = 0x7fc00000;
const TWO_M9: f32 = 0.001953125; // 2^-9: a subnormal's 3-bit mantissa m is m/8 · 2^-6

/**
 * Eight sign-extended E4M3 bytes `w` → their values as bfloat16 patterns (the top halves of the
 * float32 values; every E4M3 value is exactly a bfloat16), if normal: s.eeee.mmm moved to
 * s.(e + 120).mmm0000, the exponent rebiased from 7 to 127. Integer operations only.
 */
function normal16(w: v128): v128 {
  // Shifted by 4: s at bit 15 (its copies in 14…11 cleared), e at 10…7, m at 6…4; + 120 in the exponent field.
  return i16x8.add(v128.and(i16x8.shl(w, 4), i16x8.splat(<i16>0x87ff)), i16x8.splat(120 << 7));
}

/**
 * `normal` (eight patterns from normal16, bytes 0…7 of `x` if `low`, else 8…15) with its subnormal
 * lanes replaced by m·2^-9 (exponent 0; eight patterns from a table by m: 0, 2^-9, 2^-8, 1.5·2^-8,
 * 2^-7, 1.25·2^-7, 1.5·2^-7, 1.75·2^-7, sign added) and its S.1111.111 lanes by NaN. Integer
 * operations only: no float32 subnormal reaches a multiplier (x86 takes microcode assists on those).
 */
function special16(x: v128, normal: v128, subMask: v128, nanMask: v128, low: bool): v128 {
  const m = v128.and(x, i8x16.splat(7));
  const hiByte = v128.or(i8x16.swizzle(i8x16(0, 0x3b, 0x3b, 0x3b, 0x3c, 0x3c, 0x3c, 0x3c, 0, 0, 0, 0, 0, 0, 0, 0), m), v128.and(x, i8x16.splat(<i8>0x80)));
  const loByte = i8x16.swizzle(i8x16(0, 0, <i8>0x80, <i8>0xc0, 0, 0x20, 0x40, 0x60, 0, 0, 0, 0, 0, 0, 0, 0), m);
  const sub = low
    ? i8x16.shuffle(loByte, hiByte, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
    : i8x16.shuffle(loByte, hiByte, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  return v128.bitselect(i16x8.splat(0x7fc0), v128.bitselect(sub, normal, subMask), nanMask);
}

function one(b: u32): f32 {
  const em = b & 0x7f;
  if (em == 0x7f) return reinterpret<f32>(NAN_BITS);
  const sign = (b & 0x80) << 24;
  if (em < 8) return reinterpret<f32>(reinterpret<u32>(<f32>em * TWO_M9) | sign);
  return reinterpret<f32>(((em << 20) + (120 << 23)) | sign);
}

/** `n` values from `src` to `dst`, each times `scale` (if `scaled`). */
function run(dst: usize, src: usize, n: i32, scale: f32, scaled: bool): void {
  const s = f32x4.splat(scale);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const x = v128.load(src + i);
    let lo = normal16(i16x8.extend_low_i8x16_s(x));
    let hi = normal16(i16x8.extend_high_i8x16_s(x));
    // Zeros, subnormals and NaNs are rare in weights: one test per 16 bytes.
    const sub8 = i8x16.eq(v128.and(x, i8x16.splat(0x78)), i8x16.splat(0));
    const nan8 = i8x16.eq(v128.and(x, i8x16.splat(0x7f)), i8x16.splat(0x7f));
    if (v128.any_true(v128.or(sub8, nan8))) {
      lo = special16(x, lo, i16x8.extend_low_i8x16_s(sub8), i16x8.extend_low_i8x16_s(nan8), true);
      hi = special16(x, hi, i16x8.extend_high_i8x16_s(sub8), i16x8.extend_high_i8x16_s(nan8), false);
    }
    // Each bfloat16 pattern becomes the top half of a float32 whose low half is 0.
    let a = i32x4.shl(i32x4.extend_low_i16x8_u(lo), 16);
    let b = i32x4.shl(i32x4.extend_high_i16x8_u(lo), 16);
    let c = i32x4.shl(i32x4.extend_low_i16x8_u(hi), 16);
    let d = i32x4.shl(i32x4.extend_high_i16x8_u(hi), 16);
    if (scaled) {
      a = f32x4.mul(a, s);
      b = f32x4.mul(b, s);
      c = f32x4.mul(c, s);
      d = f32x4.mul(d, s);
    }
    const o = dst + ((<usize>i) << 2);
    v128.store(o, a);
    v128.store(o, b, 16);
    v128.store(o, c, 32);
    v128.store(o, d, 48);
  }
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), scaled ? one(<u32>load<u8>(src + i)) * scale : one(<u32>load<u8>(src + i)));
}

/** `n` E4M3 bytes from `src` → float32 at `dst`. */
export function e4m3(dst: usize, src: usize, n: i32): void {
  run(dst, src, n, 1, false);
}

/**
 * `n` E4M3 bytes from `src` → float32 at `dst`, value j multiplied by the float32 scales[floor((j + j0) / bn)]:
 * a stretch of one matrix row whose first value is column j0 of a block of bn columns.
 */
export function e4m3Scaled(dst: usize, src: usize, n: i32, scales: usize, bn: i32, j0: i32): void {
  let j = 0;
  let cb = 0;
  let width = bn - j0;
  while (j < n) {
    const m = min(width, n - j);
    run(dst + ((<usize>j) << 2), src + j, m, load<f32>(scales + ((<usize>cb) << 2)), true);
    j += m;
    cb++;
    width = bn;
  }
}
