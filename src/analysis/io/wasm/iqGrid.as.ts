/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// The 2- and 3-bit i-quants, 128-bit WASM SIMD, bit for bit ggml/src/ggml-quants.c
// (`dequantize_row_iq2_xxs`, `_iq2_xs`, `_iq2_s`, `_iq3_xxs`, `_iq3_s`; block structs in
// ggml-common.h) and the JavaScript decoders (../gguf/dequantIQ.ts). Each group of 8 values is a grid
// entry (8 bytes, or two 4-byte entries for IQ3) with a sign bit per value; a sub-block scale db
// multiplies it. Sixteen values (two groups, one scale) go at a time: the grid bytes are gathered
// into one vector, negated as integers where their sign bit is set, widened and multiplied by db.
// Negating before the multiplication is exact here: −(q·db) and (−q)·db round alike, and no grid
// byte is 0 (the test checks), so no zero changes sign. The scales are float32 steps as in C:
// db = float(float(d·(0.5 + s))·0.25) (IQ2), ·0.5 (IQ3_XXS), float(d·(1 + 2s)) (IQ3_S).
import { emitSigned, halfToF32 } from './ggmlBlocks.as';
import { IQ_TABLES, IQ2XXS, IQ2XS, IQ2S, IQ3XXS, IQ3S } from './iqTables.as';

/**
 * `ksigns_iq2xs[i]` (ggml-common.h): the 7 sign bits i and an eighth that makes their count even,
 * which is how the table was made (the test compares it with the table, entry by entry, via the decoders).
 */
function ksigns(i: u32): u32 {
  return i | (((<u32>popcnt(i)) & 1) << 7);
}

/**
 * Sixteen unsigned grid bytes q (two groups of 8), value j of the first group negated where bit j
 * of `s0` is set, of the second where bit j of `s1` is, times db, stored from `dst`.
 */
function emitSignedGroups(dst: usize, q: v128, s0: u32, s1: u32, db: v128): void {
  const bits = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  const pair = i16x8.splat(<i16>(s0 | (s1 << 8)));
  const s = i8x16.shuffle(pair, pair, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  // All ones where the value's bit is set; (q ^ m) − m is then −q there and q elsewhere.
  const m = i8x16.eq(v128.and(s, bits), bits);
  emitSigned(dst, i8x16.sub(v128.xor(q, m), m), db);
}

/** Two 8-byte grid entries (indices a, b) in one vector. */
function entries8(grid: usize, a: u32, b: u32): v128 {
  return v128.load64_lane(grid + 8 * b, v128.load64_zero(grid + 8 * a), 1);
}

/** Four 4-byte grid entries (indices a…d) in one vector. */
function entries4(grid: usize, a: u32, b: u32, c: u32, d: u32): v128 {
  let v = v128.load32_zero(grid + 4 * a);
  v = v128.load32_lane(grid + 4 * b, v, 1);
  v = v128.load32_lane(grid + 4 * c, v, 2);
  return v128.load32_lane(grid + 4 * d, v, 3);
}

/** float(float(d·(0.5 + s))·f), the IQ2 / IQ3_XXS sub-block scale. */
function halfStepScale(d: f32, s: u32, f: f32): v128 {
  return f32x4.splat(d * (<f32>0.5 + <f32>s) * f);
}

/**
 * block_iq2_xxs (66 bytes): half d · u16 qs[32]. Each 32 values: 8 bytes, four 8-bit indices into
 * iq2xxs_grid then a u32 of four 7-bit sign indices (`ksigns_iq2xs`) and the 4-bit scale on top.
 */
export function iq2_xxs(dst: usize, src: usize, n: i32): void {
  const grid = IQ_TABLES + IQ2XXS;
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    let q = src + 2;
    for (let ib = 0; ib < 8; ib++) {
      const a1 = load<u32>(q, 4);
      const db = halfStepScale(d, a1 >> 28, <f32>0.25);
      emitSignedGroups(dst, entries8(grid, load<u8>(q), load<u8>(q, 1)), ksigns(a1 & 127), ksigns((a1 >> 7) & 127), db);
      emitSignedGroups(dst + 64, entries8(grid, load<u8>(q, 2), load<u8>(q, 3)), ksigns((a1 >> 14) & 127), ksigns((a1 >> 21) & 127), db);
      q += 8;
      dst += 128;
    }
    src += 66;
  }
}

/**
 * block_iq2_xs (74 bytes): half d · u16 qs[32] · scales[8]. Each u16: a 9-bit index into iq2xs_grid
 * and a 7-bit sign index; each 32 values two 4-bit scales, the low nibble for the first 16.
 */
export function iq2_xs(dst: usize, src: usize, n: i32): void {
  const grid = IQ_TABLES + IQ2XS;
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    let q = src + 2;
    for (let ib = 0; ib < 8; ib++) {
      const sc = <u32>load<u8>(src + 66 + ib);
      const w0 = <u32>load<u16>(q);
      const w1 = <u32>load<u16>(q, 2);
      const w2 = <u32>load<u16>(q, 4);
      const w3 = <u32>load<u16>(q, 6);
      emitSignedGroups(dst, entries8(grid, w0 & 511, w1 & 511), ksigns(w0 >> 9), ksigns(w1 >> 9), halfStepScale(d, sc & 0xf, <f32>0.25));
      emitSignedGroups(dst + 64, entries8(grid, w2 & 511, w3 & 511), ksigns(w2 >> 9), ksigns(w3 >> 9), halfStepScale(d, sc >> 4, <f32>0.25));
      q += 8;
      dst += 128;
    }
    src += 74;
  }
}

/**
 * block_iq2_s (82 bytes): half d · qs[64] (32 index bytes, then 32 sign bytes) · qh[8] · scales[8].
 * Index l of each 32 values is 10 bits, qs[l] and bits 2l, 2l+1 of qh; a sign byte per 8 values;
 * scales as IQ2_XS.
 */
export function iq2_s(dst: usize, src: usize, n: i32): void {
  const grid = IQ_TABLES + IQ2S;
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    for (let ib = 0; ib < 8; ib++) {
      const sc = <u32>load<u8>(src + 74 + ib);
      const qh = <u32>load<u8>(src + 66 + ib);
      const qs = src + 2 + 4 * ib;
      const signs = qs + 32;
      const g0 = (<u32>load<u8>(qs)) | ((qh << 8) & 0x300);
      const g1 = (<u32>load<u8>(qs, 1)) | ((qh << 6) & 0x300);
      const g2 = (<u32>load<u8>(qs, 2)) | ((qh << 4) & 0x300);
      const g3 = (<u32>load<u8>(qs, 3)) | ((qh << 2) & 0x300);
      emitSignedGroups(dst, entries8(grid, g0, g1), load<u8>(signs), load<u8>(signs, 1), halfStepScale(d, sc & 0xf, <f32>0.25));
      emitSignedGroups(dst + 64, entries8(grid, g2, g3), load<u8>(signs, 2), load<u8>(signs, 3), halfStepScale(d, sc >> 4, <f32>0.25));
      dst += 128;
    }
    src += 82;
  }
}

/**
 * block_iq3_xxs (98 bytes): half d · qs[96]: 64 bytes of 8-bit indices into iq3xxs_grid (4 values
 * each), then per 32 values a u32 of four 7-bit sign indices and the 4-bit scale on top.
 */
export function iq3_xxs(dst: usize, src: usize, n: i32): void {
  const grid = IQ_TABLES + IQ3XXS;
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    let qs = src + 2;
    for (let ib = 0; ib < 8; ib++) {
      const aux = load<u32>(src + 66 + 4 * ib);
      const db = halfStepScale(d, aux >> 28, <f32>0.5);
      const e0 = entries4(grid, load<u8>(qs), load<u8>(qs, 1), load<u8>(qs, 2), load<u8>(qs, 3));
      const e1 = entries4(grid, load<u8>(qs, 4), load<u8>(qs, 5), load<u8>(qs, 6), load<u8>(qs, 7));
      emitSignedGroups(dst, e0, ksigns(aux & 127), ksigns((aux >> 7) & 127), db);
      emitSignedGroups(dst + 64, e1, ksigns((aux >> 14) & 127), ksigns((aux >> 21) & 127), db);
      qs += 8;
      dst += 128;
    }
    src += 98;
  }
}

/**
 * block_iq3_s (110 bytes): half d · qs[64] · qh[8] · signs[32] · scales[4]. Each 32 values: 8 index
 * bytes, the ninth bit of index k from bit k of qh; a sign byte per 8 values; the scale nibble (low
 * for even sub-blocks) s gives db = float(d·(1 + 2s)).
 */
export function iq3_s(dst: usize, src: usize, n: i32): void {
  const grid = IQ_TABLES + IQ3S;
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    for (let ib = 0; ib < 8; ib++) {
      const sc = <u32>load<u8>(src + 106 + (ib >> 1));
      const s = <i32>((sc >> (4 * (ib & 1))) & 0xf);
      const db = f32x4.splat(d * <f32>(s * 2 + 1));
      const qh = <u32>load<u8>(src + 66 + ib);
      const qs = src + 2 + 8 * ib;
      const signs = src + 74 + 4 * ib;
      const e0 = entries4(
        grid,
        (<u32>load<u8>(qs)) | ((qh << 8) & 256),
        (<u32>load<u8>(qs, 1)) | ((qh << 7) & 256),
        (<u32>load<u8>(qs, 2)) | ((qh << 6) & 256),
        (<u32>load<u8>(qs, 3)) | ((qh << 5) & 256),
      );
      const e1 = entries4(
        grid,
        (<u32>load<u8>(qs, 4)) | ((qh << 4) & 256),
        (<u32>load<u8>(qs, 5)) | ((qh << 3) & 256),
        (<u32>load<u8>(qs, 6)) | ((qh << 2) & 256),
        (<u32>load<u8>(qs, 7)) | ((qh << 1) & 256),
      );
      emitSignedGroups(dst, e0, load<u8>(signs), load<u8>(signs, 1), db);
      emitSignedGroups(dst + 64, e1, load<u8>(signs, 2), load<u8>(signs, 3), db);
      dst += 128;
    }
    src += 110;
  }
}
