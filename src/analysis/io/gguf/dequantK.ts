/**
 * The 256-value super-block types, bit for bit as ggml/src/ggml-quants.c dequantizes them
 * (`dequantize_row_q2_K`, `_q3_K`, `_q4_K`, `_q5_K`, `_q6_K`, `_q8_K`, `_iq4_xs`; block structs in
 * ggml-common.h). Every intermediate the C code keeps in a float (`dl = d * sc`) is rounded to
 * float32 with Math.fround before it is used again, so the values equal the C reference exactly.
 */
import { half, KVALUES_IQ4NL, type BlockDecoder } from './dequantTables';

const fr = Math.fround;

/**
 * block_q2_K (84 bytes): scales[16] (low nibble scale, high nibble min) · qs[64] (2-bit values) ·
 * half d · half dmin. Each 128 values use 32 bytes of qs, four 2-bit planes of 32 values, each plane
 * two groups of 16 with their own scale byte; x = (d·sc)·q − (dmin·m).
 */
export const dequantQ2_K: BlockDecoder = (src, off, nBlocks, dst, o) => {
  for (let i = 0; i < nBlocks; i++, off += 84) {
    const d = half(src, off + 80);
    const min = half(src, off + 82);
    let is = off;
    for (let n = 0; n < 2; n++) {
      const q = off + 16 + 32 * n;
      for (let shift = 0; shift < 8; shift += 2) {
        for (let half16 = 0; half16 < 2; half16++) {
          const sc = src[is++];
          const dl = fr(d * (sc & 15));
          const ml = fr(min * (sc >> 4));
          const qb = q + 16 * half16;
          for (let l = 0; l < 16; l++) dst[o++] = fr(dl * ((src[qb + l] >> shift) & 3)) - ml;
        }
      }
    }
  }
};

/**
 * block_q3_K (110 bytes): hmask[32] (high bits) · qs[64] (low 2 bits) · scales[12] (sixteen 6-bit
 * scales, packed as the C code's kmask1/kmask2 shuffle unpacks them) · half d; x = (d·(s − 32))·q,
 * q = low 2 bits − (4 when the high bit is clear).
 */
export const dequantQ3_K: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const scales = new Int8Array(16);
  for (let i = 0; i < nBlocks; i++, off += 110) {
    const dAll = half(src, off + 108);
    const s = off + 96;
    const a0 = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16) | (src[s + 3] << 24)) >>> 0;
    const a1 = (src[s + 4] | (src[s + 5] << 8) | (src[s + 6] << 16) | (src[s + 7] << 24)) >>> 0;
    const tmp = (src[s + 8] | (src[s + 9] << 8) | (src[s + 10] << 16) | (src[s + 11] << 24)) >>> 0;
    const k1 = 0x03030303;
    const k2 = 0x0f0f0f0f;
    const aux = [
      (a0 & k2) | (((tmp >>> 0) & k1) << 4),
      (a1 & k2) | (((tmp >>> 2) & k1) << 4),
      ((a0 >>> 4) & k2) | (((tmp >>> 4) & k1) << 4),
      ((a1 >>> 4) & k2) | (((tmp >>> 6) & k1) << 4),
    ];
    for (let w = 0; w < 4; w++) for (let b = 0; b < 4; b++) scales[4 * w + b] = (aux[w] >>> (8 * b)) & 0xff;
    const hm = off;
    let is = 0;
    let m = 1;
    for (let n = 0; n < 2; n++) {
      const q = off + 32 + 32 * n;
      for (let shift = 0; shift < 8; shift += 2, m <<= 1) {
        for (let half16 = 0; half16 < 2; half16++) {
          const dl = fr(dAll * (scales[is++] - 32));
          const base = 16 * half16;
          for (let l = 0; l < 16; l++) dst[o++] = dl * (((src[q + base + l] >> shift) & 3) - (src[hm + base + l] & m ? 0 : 4));
        }
      }
    }
  }
};

/** ggml-quants.c `get_scale_min_k4`: the j-th 6-bit scale and min of a Q4_K/Q5_K block's 12 scale bytes at `q`. */
function scaleMin(j: number, b: Uint8Array, q: number, out: Uint8Array): void {
  if (j < 4) {
    out[0] = b[q + j] & 63;
    out[1] = b[q + j + 4] & 63;
  } else {
    out[0] = (b[q + j + 4] & 0xf) | ((b[q + j - 4] >> 6) << 4);
    out[1] = (b[q + j + 4] >> 4) | ((b[q + j] >> 6) << 4);
  }
}

/**
 * block_q4_K (144 bytes): half d · half dmin · scales[12] · qs[128]. Each 64 values: 32 bytes of qs,
 * low nibbles with scale/min 2k, high nibbles with 2k+1; x = (d·sc)·q − (dmin·m).
 */
export const dequantQ4_K: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const sm = new Uint8Array(2);
  for (let i = 0; i < nBlocks; i++, off += 144) {
    const d = half(src, off);
    const min = half(src, off + 2);
    let q = off + 16;
    for (let is = 0; is < 8; is += 2, q += 32) {
      scaleMin(is, src, off + 4, sm);
      const d1 = fr(d * sm[0]);
      const m1 = fr(min * sm[1]);
      scaleMin(is + 1, src, off + 4, sm);
      const d2 = fr(d * sm[0]);
      const m2 = fr(min * sm[1]);
      for (let l = 0; l < 32; l++) {
        const x = src[q + l];
        dst[o + l] = fr(d1 * (x & 0xf)) - m1;
        dst[o + 32 + l] = fr(d2 * (x >> 4)) - m2;
      }
      o += 64;
    }
  }
};

/** block_q5_K (176 bytes): half d · half dmin · scales[12] · qh[32] (fifth bits) · qs[128]; like Q4_K with q + 16 where the bit is set. */
export const dequantQ5_K: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const sm = new Uint8Array(2);
  for (let i = 0; i < nBlocks; i++, off += 176) {
    const d = half(src, off);
    const min = half(src, off + 2);
    const qh = off + 16;
    let ql = off + 48;
    let u1 = 1;
    let u2 = 2;
    for (let is = 0; is < 8; is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      scaleMin(is, src, off + 4, sm);
      const d1 = fr(d * sm[0]);
      const m1 = fr(min * sm[1]);
      scaleMin(is + 1, src, off + 4, sm);
      const d2 = fr(d * sm[0]);
      const m2 = fr(min * sm[1]);
      for (let l = 0; l < 32; l++) {
        const x = src[ql + l];
        const h = src[qh + l];
        dst[o + l] = fr(d1 * ((x & 0xf) + (h & u1 ? 16 : 0))) - m1;
        dst[o + 32 + l] = fr(d2 * ((x >> 4) + (h & u2 ? 16 : 0))) - m2;
      }
      o += 64;
    }
  }
};

/**
 * block_q6_K (210 bytes): ql[128] (low 4 bits) · qh[64] (high 2 bits) · int8 scales[16] · half d.
 * Each 128 values: 64 bytes of ql, 32 of qh, 8 scales; x = (d·sc)·(q − 32).
 */
export const dequantQ6_K: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const s8 = new Int8Array(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < nBlocks; i++, off += 210) {
    const d = half(src, off + 208);
    for (let n = 0; n < 2; n++) {
      const ql = off + 64 * n;
      const qh = off + 128 + 32 * n;
      const sc = off + 192 + 8 * n;
      // Values l < 16 use scales sc[0], sc[2], sc[4], sc[6]; l ≥ 16 the next ones (C: is = l / 16).
      for (let g = 0; g < 2; g++) {
        const d0 = fr(d * s8[sc + g]);
        const d1 = fr(d * s8[sc + g + 2]);
        const d2 = fr(d * s8[sc + g + 4]);
        const d3 = fr(d * s8[sc + g + 6]);
        for (let l = 16 * g; l < 16 * g + 16; l++) {
          const h = src[qh + l];
          const a = src[ql + l];
          const b = src[ql + l + 32];
          dst[o + l] = d0 * (((a & 0xf) | ((h & 3) << 4)) - 32);
          dst[o + l + 32] = d1 * (((b & 0xf) | (((h >> 2) & 3) << 4)) - 32);
          dst[o + l + 64] = d2 * (((a >> 4) | (((h >> 4) & 3) << 4)) - 32);
          dst[o + l + 96] = d3 * (((b >> 4) | (((h >> 6) & 3) << 4)) - 32);
        }
      }
      o += 128;
    }
  }
};

/** block_q8_K (292 bytes): float32 d · int8 qs[256] · int16 bsums[16] (sums, not needed to decode); x = d·q. */
export const dequantQ8_K: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < nBlocks; i++, off += 292) {
    const d = view.getFloat32(off, true);
    for (let j = 0; j < 256; j++) dst[o++] = d * ((src[off + 4 + j] << 24) >> 24);
  }
};

/**
 * block_iq4_xs (136 bytes): half d · u16 scales_h · scales_l[4] · qs[128]. Sub-block ib of 32 values
 * has the 6-bit scale ls (low 4 bits from scales_l, high 2 from scales_h); x = (d·(ls − 32))·k[q].
 */
export const dequantIQ4_XS: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const k = KVALUES_IQ4NL; // a local: an imported binding costs a property access per read under CommonJS
  for (let i = 0; i < nBlocks; i++, off += 136) {
    const d = half(src, off);
    const sh = src[off + 2] | (src[off + 3] << 8);
    for (let ib = 0; ib < 8; ib++) {
      const ls = ((src[off + 4 + (ib >> 1)] >> (4 * (ib & 1))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
      const dl = fr(d * (ls - 32));
      const q = off + 8 + 16 * ib;
      for (let j = 0; j < 16; j++) {
        dst[o + j] = dl * k[src[q + j] & 0xf];
        dst[o + j + 16] = dl * k[src[q + j] >> 4];
      }
      o += 32;
    }
  }
};
