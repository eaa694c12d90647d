/**
 * The 2- and 3-bit i-quant types, bit for bit as ggml/src/ggml-quants.c dequantizes them
 * (`dequantize_row_iq2_xxs`, `_iq2_xs`, `_iq2_s`, `_iq3_xxs`, `_iq3_s`; block structs in
 * ggml-common.h). Each group of 8 (IQ2) or 4 (IQ3) values is one entry of a fixed grid of small
 * positive magnitudes (io/gguf/iqGrids.ts) with a sign per value; a sub-block scale multiplies it.
 * The C code computes the scale in float (`d * (0.5f + s) * 0.25f`), so each step is rounded to
 * float32 with Math.fround, then `scale * grid[j]` is one rounding and the sign an exact negation.
 * Each decoder reads the tables through local constants: an imported binding read in a hot loop
 * costs a property access per value where modules are compiled to CommonJS (tsx, the tests).
 */
import { half, type BlockDecoder } from './dequantTables';
import { IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID, IQ3S_GRID, IQ3XXS_GRID, KSIGNS_IQ2XS } from './iqGrids';

const fr = Math.fround;

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/**
 * Eight values `db * grid[g + j]`, value j negated where bit j of `signs` is set (`kmask_iq2xs[j]`
 * is `1 << j`).
 */
function put8(dst: Float32Array, o: number, db: number, grid: Uint8Array, g: number, signs: number): void {
  for (let j = 0; j < 8; j++) {
    const v = fr(db * grid[g + j]);
    dst[o + j] = signs & (1 << j) ? -v : v;
  }
}

/**
 * block_iq2_xxs (66 bytes): half d · u16 qs[32]. Each 32 values use 8 bytes read as two u32: the
 * first holds four 8-bit indices into iq2xxs_grid, the second four 7-bit sign indices
 * (`ksigns_iq2xs`) and a 4-bit scale in its top bits; db = d·(0.5 + s)·0.25.
 */
export const dequantIQ2_XXS: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const grid = IQ2XXS_GRID;
  const ksigns = KSIGNS_IQ2XS;
  for (let i = 0; i < nBlocks; i++, off += 66) {
    const d = half(src, off);
    for (let ib = 0; ib < 8; ib++) {
      const q = off + 2 + 8 * ib;
      const a1 = u32(src, q + 4);
      const db = fr(fr(d * (0.5 + (a1 >>> 28))) * 0.25);
      for (let l = 0; l < 4; l++, o += 8) put8(dst, o, db, grid, 8 * src[q + l], ksigns[(a1 >>> (7 * l)) & 127]);
    }
  }
};

/**
 * block_iq2_xs (74 bytes): half d · u16 qs[32] · scales[8]. Each u16 is a 9-bit index into
 * iq2xs_grid and a 7-bit sign index; each 32 values have two 4-bit scales (low nibble for the first
 * 16 values), db = d·(0.5 + s)·0.25.
 */
export const dequantIQ2_XS: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const grid = IQ2XS_GRID;
  const ksigns = KSIGNS_IQ2XS;
  for (let i = 0; i < nBlocks; i++, off += 74) {
    const d = half(src, off);
    for (let ib = 0; ib < 8; ib++) {
      const sc = src[off + 66 + ib];
      const db0 = fr(fr(d * (0.5 + (sc & 0xf))) * 0.25);
      const db1 = fr(fr(d * (0.5 + (sc >> 4))) * 0.25);
      for (let l = 0; l < 4; l++, o += 8) {
        const q = u16(src, off + 2 + 2 * (4 * ib + l));
        put8(dst, o, l < 2 ? db0 : db1, grid, 8 * (q & 511), ksigns[q >> 9]);
      }
    }
  }
};

/**
 * block_iq2_s (82 bytes): half d · qs[64] (32 low index bytes, then 32 sign bytes) · qh[8] · scales[8].
 * The index into iq2s_grid is 10 bits: qs[l] and 2 bits of qh; the signs are a plain byte per 8
 * values; scales as IQ2_XS.
 */
export const dequantIQ2_S: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const grid = IQ2S_GRID;
  for (let i = 0; i < nBlocks; i++, off += 82) {
    const d = half(src, off);
    for (let ib = 0; ib < 8; ib++) {
      const sc = src[off + 74 + ib];
      const db0 = fr(fr(d * (0.5 + (sc & 0xf))) * 0.25);
      const db1 = fr(fr(d * (0.5 + (sc >> 4))) * 0.25);
      const qh = src[off + 66 + ib];
      const qs = off + 2 + 4 * ib;
      const signs = off + 2 + 32 + 4 * ib;
      for (let l = 0; l < 4; l++, o += 8) {
        const idx = src[qs + l] | ((qh << (8 - 2 * l)) & 0x300);
        put8(dst, o, l < 2 ? db0 : db1, grid, 8 * idx, src[signs + l]);
      }
    }
  }
};

/**
 * block_iq3_xxs (98 bytes): half d · qs[96]: 64 bytes of 8-bit indices into iq3xxs_grid (4 values
 * each), then per 32 values a u32 of four 7-bit sign indices and a 4-bit scale; db = d·(0.5 + s)·0.5.
 */
export const dequantIQ3_XXS: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const grid = IQ3XXS_GRID;
  const ksigns = KSIGNS_IQ2XS;
  for (let i = 0; i < nBlocks; i++, off += 98) {
    const d = half(src, off);
    for (let ib = 0; ib < 8; ib++) {
      const aux = u32(src, off + 2 + 64 + 4 * ib);
      const db = fr(fr(d * (0.5 + (aux >>> 28))) * 0.5);
      const qs = off + 2 + 8 * ib;
      for (let l = 0; l < 4; l++, o += 8) {
        const signs = ksigns[(aux >>> (7 * l)) & 127];
        const g1 = 4 * src[qs + 2 * l];
        const g2 = 4 * src[qs + 2 * l + 1];
        for (let j = 0; j < 4; j++) {
          const v1 = fr(db * grid[g1 + j]);
          const v2 = fr(db * grid[g2 + j]);
          dst[o + j] = signs & (1 << j) ? -v1 : v1;
          dst[o + j + 4] = signs & (1 << (j + 4)) ? -v2 : v2;
        }
      }
    }
  }
};

/**
 * block_iq3_s (110 bytes): half d · qs[64] · qh[8] · signs[32] · scales[4]. The index into iq3s_grid
 * is 9 bits (qs byte and one bit of qh); each 64 values share a scale byte, low nibble for the first
 * 32, db = d·(1 + 2s); signs are a plain byte per 8 values.
 */
export const dequantIQ3_S: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const grid = IQ3S_GRID;
  for (let i = 0; i < nBlocks; i++, off += 110) {
    const d = half(src, off);
    let qs = off + 2;
    let signs = off + 74;
    for (let ib = 0; ib < 8; ib++) {
      const sc = src[off + 106 + (ib >> 1)];
      const db = fr(d * (1 + 2 * (ib & 1 ? sc >> 4 : sc & 0xf)));
      const qh = src[off + 66 + ib];
      for (let l = 0; l < 4; l++, o += 8) {
        const g1 = 4 * (src[qs + 2 * l] | ((qh << (8 - 2 * l)) & 256));
        const g2 = 4 * (src[qs + 2 * l + 1] | ((qh << (7 - 2 * l)) & 256));
        const s = src[signs + l];
        for (let j = 0; j < 4; j++) {
          const v1 = fr(db * grid[g1 + j]);
          const v2 = fr(db * grid[g2 + j]);
          dst[o + j] = s & (1 << j) ? -v1 : v1;
          dst[o + j + 4] = s & (1 << (j + 4)) ? -v2 : v2;
        }
      }
      qs += 8;
      signs += 4;
    }
  }
};
