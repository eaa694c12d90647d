/**
 * The 1-bit i-quant types, bit for bit as ggml/src/ggml-quants.c dequantizes them
 * (`dequantize_row_iq1_s`, `dequantize_row_iq1_m`; block structs in ggml-common.h). Each group of 8
 * values is one entry of iq1s_grid (values −1, 0, 1; io/gguf/iqGrids.ts) shifted by ±IQ1S_DELTA
 * (0.125, exact in float32), times a sub-block scale d·(2s + 1): `dl * (grid[j] + delta)` is one
 * rounding, as in the C code.
 */
import { FP16, half, type BlockDecoder } from './dequantTables';
import { IQ1S_GRID } from './iqGrids';

const fr = Math.fround;
/** IQ1S_DELTA (ggml-common.h). */
const DELTA = 0.125;

function put8(dst: Float32Array, o: number, dl: number, grid: Int8Array, g: number, delta: number): void {
  for (let j = 0; j < 8; j++) dst[o + j] = dl * (grid[g + j] + delta);
}

/**
 * block_iq1_s (50 bytes): half d · qs[32] · u16 qh[8]. Per 32 values one qh word: bits 0–11 are the
 * high 3 bits of four 11-bit grid indices (low 8 in qs), bits 12–14 the scale s, bit 15 the sign of
 * the delta.
 */
export const dequantIQ1_S: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const grid = IQ1S_GRID; // a local: an imported binding costs a property access per read under CommonJS
  for (let i = 0; i < nBlocks; i++, off += 50) {
    const d = half(src, off);
    for (let ib = 0; ib < 8; ib++) {
      const qh = src[off + 34 + 2 * ib] | (src[off + 35 + 2 * ib] << 8);
      const dl = fr(d * (2 * ((qh >> 12) & 7) + 1));
      const delta = qh & 0x8000 ? -DELTA : DELTA;
      const qs = off + 2 + 4 * ib;
      for (let l = 0; l < 4; l++, o += 8) put8(dst, o, dl, grid, 8 * (src[qs + l] | (((qh >> (3 * l)) & 7) << 8)), delta);
    }
  }
};

/**
 * block_iq1_m (56 bytes): qs[32] · qh[16] · scales[8]. The half-precision super-block scale is
 * spread over the top nibbles of the four u16 scale words (`iq1m_scale_t`); the rest of each word
 * holds four 3-bit sub-block scales (two per 32 values, one per 16). Each qh byte gives two groups
 * of 8 their high 3 index bits and delta sign (bit 3 and bit 7).
 */
export const dequantIQ1_M: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const sc = new Uint16Array(4);
  const grid = IQ1S_GRID;
  for (let i = 0; i < nBlocks; i++, off += 56) {
    for (let k = 0; k < 4; k++) sc[k] = src[off + 48 + 2 * k] | (src[off + 49 + 2 * k] << 8);
    const d = FP16[(sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000)];
    for (let ib = 0; ib < 8; ib++) {
      const s = sc[ib >> 1];
      const shift = 6 * (ib % 2);
      const dl1 = fr(d * (2 * ((s >> shift) & 7) + 1));
      const dl2 = fr(d * (2 * ((s >> (shift + 3)) & 7) + 1));
      const qs = off + 4 * ib;
      const h0 = src[off + 32 + 2 * ib];
      const h1 = src[off + 33 + 2 * ib];
      put8(dst, o, dl1, grid, 8 * (src[qs] | ((h0 << 8) & 0x700)), h0 & 0x08 ? -DELTA : DELTA);
      put8(dst, o + 8, dl1, grid, 8 * (src[qs + 1] | ((h0 << 4) & 0x700)), h0 & 0x80 ? -DELTA : DELTA);
      put8(dst, o + 16, dl2, grid, 8 * (src[qs + 2] | ((h1 << 8) & 0x700)), h1 & 0x08 ? -DELTA : DELTA);
      put8(dst, o + 24, dl2, grid, 8 * (src[qs + 3] | ((h1 << 4) & 0x700)), h1 & 0x80 ? -DELTA : DELTA);
      o += 32;
    }
  }
};
