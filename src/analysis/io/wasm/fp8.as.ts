/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// float8 e4m3fn (PyTorch `float8_e4m3fn`, the safetensors F8_E4M3) → float32, 128-bit WASM SIMD, the
// same values as ../dtypes.ts's table: bias 7, no infinities, S.1111.111 is NaN, subnormals m·2^-9.
// e4m3Scaled also multiplies by one float32 per `bn` values, transformers' fine-grained FP8
// dequantization (integrations/finegrained_fp8.py: weight · weight_scale_inv per 128×128 block),
// a float32 multiplication exactly like the scalar loop it replaces.

const NAN_BITS: u32 = 0x7fc00000;
const TWO_M9: f32 = 0.001953125; // 2^-9: a subnormal's 3-bit mantissa m is m/8 · 2^-6

// Sixteen E4M3 bytes → their values as bfloat16 patterns (the top halves of the float32 values;
// every E4M3 value is exactly a bfloat16), with no branch and integer operations only (no float32
// subnormal reaches a multiplier: x86 takes microcode assists on those). A byte s.eeee.mmm,
// sign-extended to 16 bits and shifted by 4, is s.000.eeee.mmm.0000 (its sign copies cleared);
// adding a bias by the byte's class gives the pattern:
//  - normal (e ≥ 1): 120 << 7 (0x3c00), the exponent rebiased from 7 to 127;
//  - subnormal (e = 0, value m·2^-9): the pattern of m·2^-9 minus m << 4 (0 for ±0: −0 stays −0);
//  - NaN (S.1111.111, its sign cleared first: the byte table's NaN is 0x7fc00000 for both signs):
//    0x7fc0 minus 0x7f0.
// The class index, min(|byte|, 8) (0…7 a subnormal's m, 8 any normal) or 9 for NaN, picks the bias's
// low and high bytes from two 16-byte tables; the two are interleaved into 16-bit lanes.
// The tables and masks are loaded from memory before the loop: as constants, the compiled loop would
// rebuild each of them on every iteration (V8 materializes a v128.const where it is used).
const CONSTS = memory.data<u8>(
  [
    // BIAS_LO, BIAS_HI
    0, 0xf0, 0x60, 0x90, 0xc0, 0xd0, 0xe0, 0xf0, 0, 0xd0, 0, 0, 0, 0, 0, 0, 0, 0x3a, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3c, 0x77, 0, 0, 0, 0, 0, 0,
    // 0x7f and 8 in every byte, 0x87ff in every 16-bit lane
    0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 0xff, 0x87,
    0xff, 0x87, 0xff, 0x87, 0xff, 0x87, 0xff, 0x87, 0xff, 0x87, 0xff, 0x87, 0xff, 0x87,
  ],
  16,
);

function one(b: u32): f32 {
  const em = b & 0x7f;
  if (em == 0x7f) return reinterpret<f32>(NAN_BITS);
  const sign = (b & 0x80) << 24;
  if (em < 8) return reinterpret<f32>(reinterpret<u32>(<f32>em * TWO_M9) | sign);
  return reinterpret<f32>(((em << 20) + (120 << 23)) | sign);
}

/**
 * `n` values from `src` to `dst`, each times `scale` (if `scaled`); the tables and masks of CONSTS
 * are loaded by the caller (once for all its runs: it inlines this).
 */
function run(dst: usize, src: usize, n: i32, scale: f32, scaled: bool, biasLoTable: v128, biasHiTable: v128, k7f: v128, k8: v128, keep: v128): void {
  const s = f32x4.splat(scale);
  const zero = i8x16.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const x = v128.load(src + i);
    const em = v128.and(x, k7f);
    const nan = i8x16.eq(em, k7f);
    // NaN bytes become 0x7f (sign cleared), their index 8 − (−1) = 9.
    const xs = v128.bitselect(k7f, x, nan);
    const idx = i8x16.sub(i8x16.min_u(em, k8), nan);
    const biasLo = i8x16.swizzle(biasLoTable, idx);
    const biasHi = i8x16.swizzle(biasHiTable, idx);
    const lo = i16x8.add(
      v128.and(i16x8.shl(i16x8.extend_low_i8x16_s(xs), 4), keep),
      i8x16.shuffle(biasLo, biasHi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23),
    );
    const hi = i16x8.add(
      v128.and(i16x8.shl(i16x8.extend_high_i8x16_s(xs), 4), keep),
      i8x16.shuffle(biasLo, biasHi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31),
    );
    let a = i8x16.shuffle(zero, lo, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    let b = i8x16.shuffle(zero, lo, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    let c = i8x16.shuffle(zero, hi, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    let d = i8x16.shuffle(zero, hi, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
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
  inline.always(run(dst, src, n, 1, false, v128.load(CONSTS), v128.load(CONSTS, 16), v128.load(CONSTS, 32), v128.load(CONSTS, 48), v128.load(CONSTS, 64)));
}

/**
 * `n` E4M3 bytes from `src` → float32 at `dst`, value j multiplied by the float32 scales[floor((j + j0) / bn)]:
 * a stretch of one matrix row whose first value is column j0 of a block of bn columns.
 */
export function e4m3Scaled(dst: usize, src: usize, n: i32, scales: usize, bn: i32, j0: i32): void {
  const biasLoTable = v128.load(CONSTS);
  const biasHiTable = v128.load(CONSTS, 16);
  const k7f = v128.load(CONSTS, 32);
  const k8 = v128.load(CONSTS, 48);
  const keep = v128.load(CONSTS, 64);
  let j = 0;
  let cb = 0;
  let width = bn - j0;
  while (j < n) {
    const m = min(width, n - j);
    const scale = load<f32>(scales + ((<usize>cb) << 2));
    inline.always(run(dst + ((<usize>j) << 2), src + j, m, scale, true, biasLoTable, biasHiTable, k7f, k8, keep));
    j += m;
    cb++;
    width = bn;
  }
}

/**
 * `n` E4M3 bytes from `src`, matrix elements from row `r`, column `c` on (rows `cols` wide), → float32
 * at `dst`, each multiplied by its block's scale: the float32 grid at `scales`, `gridCols` a row,
 * one scale per `bm`×`bn` block. Row stretch by row stretch, as e4m3Scaled.
 */
export function e4m3BlockRows(dst: usize, src: usize, n: i32, r: i32, c: i32, cols: i32, scales: usize, gridCols: i32, bm: i32, bn: i32): void {
  let j = 0;
  while (j < n) {
    const len = min(cols - c, n - j);
    const block = scales + ((<usize>((r / bm) * gridCols + c / bn)) << 2);
    e4m3Scaled(dst + ((<usize>j) << 2), src + j, len, block, bn, c % bn);
    j += len;
    r++;
    c = 0;
  }
}
