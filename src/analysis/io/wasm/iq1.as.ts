/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// The 1-bit i-quants, 128-bit WASM SIMD, bit for bit ggml/src/ggml-quants.c (`dequantize_row_iq1_s`,
// `dequantize_row_iq1_m`; block structs in ggml-common.h) and the JavaScript decoders
// (../gguf/dequantIQ1.ts). Each group of 8 values is an entry of iq1s_grid (signed bytes −1, 0, 1)
// shifted by ±IQ1S_DELTA (0.125) and times dl = float(d·(2s + 1)): grid + delta is exact in
// float32, so dl·(grid + delta) is one rounding, as in C.
import { halfToF32 } from './ggmlBlocks.as';
import { IQ_TABLES, IQ1S } from './iqTables.as';

/** Two 8-byte entries of iq1s_grid (indices a, b) in one vector. */
function entries(grid: usize, a: u32, b: u32): v128 {
  return v128.load64_lane(grid + 8 * b, v128.load64_zero(grid + 8 * a), 1);
}

/** Sixteen signed grid bytes q → dl·(q + delta), the first 8 with delta da, the last 8 with db, stored from `dst`. */
function emitDelta(dst: usize, q: v128, dl: v128, da: v128, db: v128): void {
  const lo = i16x8.extend_low_i8x16_s(q);
  const hi = i16x8.extend_high_i8x16_s(q);
  v128.store(dst, f32x4.mul(dl, f32x4.add(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), da)));
  v128.store(dst, f32x4.mul(dl, f32x4.add(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), da)), 16);
  v128.store(dst, f32x4.mul(dl, f32x4.add(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), db)), 32);
  v128.store(dst, f32x4.mul(dl, f32x4.add(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), db)), 48);
}

/**
 * ±IQ1S_DELTA as a vector, from the sign bit's place in a 32-bit word: 0x3e000000 is 0.125, and OR-ing
 * the bit in (rather than choosing between two constants) keeps a data-dependent branch out of the
 * loop, which random signs would mispredict half the time (it halved IQ1_M's speed).
 */
function deltaOf(signBit: u32): v128 {
  return i32x4.splat(0x3e000000 | signBit);
}

/**
 * block_iq1_s (50 bytes): half d · qs[32] · u16 qh[8]. Per 32 values one qh word: bits 3l…3l+2 are
 * the high bits of the l-th 11-bit grid index (low 8 in qs), bits 12–14 the scale s, bit 15 the
 * delta's sign.
 */
export function iq1_s(dst: usize, src: usize, n: i32): void {
  const grid = IQ_TABLES + IQ1S;
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    for (let ib = 0; ib < 8; ib++) {
      const qh = <u32>load<u16>(src + 34 + 2 * ib);
      const s = <i32>((qh >> 12) & 7);
      const dl = f32x4.splat(d * <f32>(s * 2 + 1));
      const delta = deltaOf((qh & 0x8000) << 16);
      const qs = src + 2 + 4 * ib;
      const g0 = (<u32>load<u8>(qs)) | ((qh & 7) << 8);
      const g1 = (<u32>load<u8>(qs, 1)) | (((qh >> 3) & 7) << 8);
      const g2 = (<u32>load<u8>(qs, 2)) | (((qh >> 6) & 7) << 8);
      const g3 = (<u32>load<u8>(qs, 3)) | (((qh >> 9) & 7) << 8);
      emitDelta(dst, entries(grid, g0, g1), dl, delta, delta);
      emitDelta(dst + 64, entries(grid, g2, g3), dl, delta, delta);
      dst += 128;
    }
    src += 50;
  }
}

/**
 * block_iq1_m (56 bytes): qs[32] · qh[16] · scales[8]. The half super-block scale is the top
 * nibbles of the four u16 scale words (`iq1m_scale_t`); each word also holds four 3-bit sub-block
 * scales (one per 16 values). Each qh byte gives two groups of 8 their high 3 index bits (bits 0–2,
 * 4–6) and delta signs (bits 3, 7).
 */
export function iq1_m(dst: usize, src: usize, n: i32): void {
  const grid = IQ_TABLES + IQ1S;
  for (let i = 0; i < n; i++) {
    const s0 = <u32>load<u16>(src, 48);
    const s1 = <u32>load<u16>(src, 50);
    const s2 = <u32>load<u16>(src, 52);
    const s3 = <u32>load<u16>(src, 54);
    const d = halfToF32((s0 >> 12) | ((s1 >> 8) & 0x00f0) | ((s2 >> 4) & 0x0f00) | (s3 & 0xf000));
    // Sixteen values j at a time (sub-block j >> 1, half j & 1 of it): the 3-bit scale j & 3 of
    // scale word j >> 2, index bytes 2j, 2j + 1, their high bits and delta signs in qh[j].
    for (let j = 0; j < 16; j++) {
      const k = <i32>(((<u32>load<u16>(src + 48 + 2 * (j >> 2))) >> (3 * (j & 3))) & 7);
      const dl = f32x4.splat(d * <f32>(k * 2 + 1));
      const qh = <u32>load<u8>(src + 32 + j);
      const g0 = (<u32>load<u8>(src + 2 * j)) | ((qh << 8) & 0x700);
      const g1 = (<u32>load<u8>(src + 2 * j + 1)) | ((qh << 4) & 0x700);
      emitDelta(dst, entries(grid, g0, g1), dl, deltaOf((qh & 0x08) << 28), deltaOf((qh & 0x80) << 24));
      dst += 64;
    }
    src += 56;
  }
}
