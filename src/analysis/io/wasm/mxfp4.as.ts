/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// MXFP4 as gpt-oss's safetensors checkpoints store it (transformers `integrations/mxfp4.py`,
// `convert_moe_packed_tensors`): groups of 16 bytes, each byte two E2M1 codes (low nibble the even
// value, high nibble the odd one), one E8M0 exponent byte per group of 32 values, kept in a separate
// array; a value is FP4_VALUES[code] · 2^(e − 127). Bit for bit the test reference decodeMxfp4 (test/unit/analysis/io/mxfp4Reference.ts),
// which computes that product exactly and rounds it to float32 once: here the codes are doubled to
// integers (0, 1, 2, 3, 4, 6, 8, 12, signed) and multiplied by 2^(e − 128), the same real number
// rounded once (exact except 2^(255 − 127) · {±1 … ±6}, which overflow to ±Infinity both ways).
// Code 8 is −0 in FP4_VALUES, kept as −0 below.

// The doubled values 0, 1, 2, 3, 4, 6, 8, 12 (codes 0 … 7) and their negatives (codes 8 … 15, code 8
// −0) are float32 values whose low 16 bits are 0: their top halves (bfloat16 patterns) are looked up
// by code, high and low byte from two tables, interleaved to 16-bit lanes and widened to float32
// with zero low halves; a value is then one multiplication by 2^(e − 128), the same product as
// above (negatives and −0 by the sign-symmetric rounding). The tables, the nibble mask and zero are
// loaded from memory before the loop: as constants, the compiled loop would rebuild them on every
// use (V8 materializes a v128.const where it is used).
const CONSTS = memory.data<u8>(
  [
    // high bytes, low bytes of the bfloat16 patterns of codes 0 … 15
    0x00, 0x3f, 0x40, 0x40, 0x40, 0x40, 0x41, 0x41, 0x80, 0xbf, 0xc0, 0xc0, 0xc0, 0xc0, 0xc1, 0xc1, 0x00, 0x80, 0x00, 0x40, 0x80, 0xc0, 0x00, 0x40, 0x00, 0x80,
    0x00, 0x40, 0x80, 0xc0, 0x00, 0x40,
    // 0x0f in every byte
    0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
  ],
  16,
);

/** Sixteen codes (in value order) → 16 float32 values, each times `d`, stored from `dst`. */
function emitCodes(dst: usize, c: v128, d: v128, hiT: v128, loT: v128): void {
  const z = i8x16.splat(0);
  const h = i8x16.swizzle(hiT, c);
  const l = i8x16.swizzle(loT, c);
  const p0 = i8x16.shuffle(l, h, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const p1 = i8x16.shuffle(l, h, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  v128.store(dst, f32x4.mul(i8x16.shuffle(z, p0, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), d));
  v128.store(dst, f32x4.mul(i8x16.shuffle(z, p0, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), d), 16);
  v128.store(dst, f32x4.mul(i8x16.shuffle(z, p1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), d), 32);
  v128.store(dst, f32x4.mul(i8x16.shuffle(z, p1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), d), 48);
}

/** `n` groups: 16 bytes each from `src`, one exponent byte each from `exps`, 32 float32 values each to `dst`. */
export function mxfp4Groups(dst: usize, src: usize, exps: usize, n: i32): void {
  const hiT = v128.load(CONSTS);
  const loT = v128.load(CONSTS, 16);
  const mask = v128.load(CONSTS, 32);
  for (let i = 0; i < n; i++) {
    const e = <u32>load<u8>(exps + i);
    // 2^(e − 128): subnormal for e < 2 (2^-128 = bit 21, 2^-127 = bit 22), else exponent field e − 1.
    const bits: u32 = e >= 2 ? (e - 1) << 23 : (<u32>1) << (21 + e);
    const d = f32x4.splat(reinterpret<f32>(bits));
    const x = v128.load(src);
    const lo = v128.and(x, mask);
    // A 16-bit shift: the bits it carries across bytes fall outside the mask.
    const hi = v128.and(i16x8.shr_u(x, 4), mask);
    // Value 2k is byte k's low nibble, value 2k + 1 its high nibble.
    inline.always(emitCodes(dst, i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), d, hiT, loT));
    inline.always(emitCodes(dst + 64, i8x16.shuffle(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), d, hiT, loT));
    src += 16;
    dst += 128;
  }
}
