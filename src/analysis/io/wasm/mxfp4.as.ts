/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// MXFP4 as gpt-oss's safetensors checkpoints store it (transformers `integrations/mxfp4.py`,
// `convert_moe_packed_tensors`): groups of 16 bytes, each byte two E2M1 codes (low nibble the even
// value, high nibble the odd one), one E8M0 exponent byte per group of 32 values, kept in a separate
// array; a value is FP4_VALUES[code] · 2^(e − 127). Bit for bit the test reference decodeMxfp4 (test/unit/analysis/io/mxfp4Reference.ts),
// which computes that product exactly and rounds it to float32 once: here the codes are doubled to
// integers (0, 1, 2, 3, 4, 6, 8, 12, signed) and multiplied by 2^(e − 128), the same real number
// rounded once (exact except 2^(255 − 127) · {±1 … ±6}, which overflow to ±Infinity both ways).
// Code 8 is −0 in FP4_VALUES: its integer is 0, so the sign bit of every code ≥ 8 is OR-ed in after
// the multiplication (a no-op on the negative values, −0 for code 8).

/** Sixteen interleaved codes → 16 float32 values: |2v| · d with the code's sign bit, stored from `dst`. */
function emitCodes(dst: usize, c: v128, d: v128): void {
  const k = i8x16(0, 1, 2, 3, 4, 6, 8, 12, 0, 1, 2, 3, 4, 6, 8, 12);
  const q = i8x16.swizzle(k, c);
  // 0x80 where the code's bit 3 is set, then widened so it lands on bit 31 of each float32.
  const s = i8x16.shl(v128.and(c, i8x16.splat(8)), 4);
  const qlo = i16x8.extend_low_i8x16_u(q);
  const qhi = i16x8.extend_high_i8x16_u(q);
  const slo = i16x8.extend_low_i8x16_u(s);
  const shi = i16x8.extend_high_i8x16_u(s);
  v128.store(dst, v128.or(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(qlo)), d), i32x4.shl(i32x4.extend_low_i16x8_u(slo), 24)));
  v128.store(dst, v128.or(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(qlo)), d), i32x4.shl(i32x4.extend_high_i16x8_u(slo), 24)), 16);
  v128.store(dst, v128.or(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(qhi)), d), i32x4.shl(i32x4.extend_low_i16x8_u(shi), 24)), 32);
  v128.store(dst, v128.or(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(qhi)), d), i32x4.shl(i32x4.extend_high_i16x8_u(shi), 24)), 48);
}

/** `n` groups: 16 bytes each from `src`, one exponent byte each from `exps`, 32 float32 values each to `dst`. */
export function mxfp4Groups(dst: usize, src: usize, exps: usize, n: i32): void {
  const mask = i8x16.splat(0x0f);
  for (let i = 0; i < n; i++) {
    const e = <u32>load<u8>(exps + i);
    // 2^(e − 128): subnormal for e < 2 (2^-128 = bit 21, 2^-127 = bit 22), else exponent field e − 1.
    const bits: u32 = e >= 2 ? (e - 1) << 23 : (<u32>1) << (21 + e);
    const d = f32x4.splat(reinterpret<f32>(bits));
    const x = v128.load(src);
    const lo = v128.and(x, mask);
    const hi = i8x16.shr_u(x, 4);
    // Value 2k is byte k's low nibble, value 2k + 1 its high nibble.
    emitCodes(dst, i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), d);
    emitCodes(dst + 64, i8x16.shuffle(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), d);
    src += 16;
    dst += 128;
  }
}
