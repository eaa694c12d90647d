/* eslint-disable -- AssemblyScript, not TypeScript: its builtins (v128, load, usize) are unknown to the linter and tsc. */
// @ts-nocheck -- AssemblyScript source (compiled with index.as.ts by scripts/build-wasm.mjs), not TypeScript.
// IQ4_NL and IQ4_XS, 128-bit WASM SIMD, bit for bit ggml/src/ggml-quants.c (`dequantize_row_iq4_nl`,
// `dequantize_row_iq4_xs`; block structs in ggml-common.h) and the JavaScript decoders
// (../gguf/dequantLegacy.ts dequantIQ4_NL, ../gguf/dequantK.ts dequantIQ4_XS). A nibble picks one of
// sixteen non-linear levels (`kvalues_iq4nl`, signed bytes: a swizzle) and x = d·level is one
// float32 multiplication, as in C.
import { emitSigned, halfToF32 } from './ggmlBlocks.as';

/** `kvalues_iq4nl` (ggml-common.h), the swizzle table. */
function levels(): v128 {
  return i8x16(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
}

/** block_iq4_nl (18 bytes): half d · 16 bytes, low nibbles values 0…15, high nibbles 16…31; x = d·kvalues[q]. */
export function iq4_nl(dst: usize, src: usize, n: i32): void {
  const k = levels();
  const mask = i8x16.splat(0x0f);
  for (let i = 0; i < n; i++) {
    const d = f32x4.splat(halfToF32(<u32>load<u16>(src)));
    const x = v128.load(src, 2);
    emitSigned(dst, i8x16.swizzle(k, v128.and(x, mask)), d);
    emitSigned(dst + 64, i8x16.swizzle(k, i8x16.shr_u(x, 4)), d);
    src += 18;
    dst += 128;
  }
}

/**
 * block_iq4_xs (136 bytes): half d · u16 scales_h · scales_l[4] · qs[128]. Sub-block ib (32 values,
 * 16 bytes: low nibbles first) has the 6-bit scale ls = low 4 bits from scales_l, high 2 from
 * scales_h; dl = float(d·(ls − 32)), x = dl·kvalues[q].
 */
export function iq4_xs(dst: usize, src: usize, n: i32): void {
  const k = levels();
  const mask = i8x16.splat(0x0f);
  for (let i = 0; i < n; i++) {
    const d = halfToF32(<u32>load<u16>(src));
    const sh = <u32>load<u16>(src, 2);
    for (let ib = 0; ib < 8; ib++) {
      const ls = (((<u32>load<u8>(src + 4 + (ib >> 1))) >> (4 * (ib & 1))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
      const dl = f32x4.splat(d * <f32>(<i32>ls - 32));
      const x = v128.load(src + 8 + 16 * ib);
      emitSigned(dst, i8x16.swizzle(k, v128.and(x, mask)), dl);
      emitSigned(dst + 64, i8x16.swizzle(k, i8x16.shr_u(x, 4)), dl);
      dst += 128;
    }
    src += 136;
  }
}
