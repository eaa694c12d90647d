/**
 * The 32-value block types, bit for bit as ggml/src/ggml-quants.c dequantizes them
 * (`dequantize_row_q4_0`, `_q4_1`, `_q5_0`, `_q5_1`, `_q8_0`, `_iq4_nl`, `_mxfp4`; block structs in
 * ggml-common.h). The reference computes in float32: a product of a float32 and a small integer is
 * one rounding, which the store into a Float32Array performs; where two operations follow each
 * other (`x·d + m`) the first is rounded with Math.fround so the result is the C result exactly.
 */
import { half, KVALUES_IQ4NL, KVALUES_MXFP4, type BlockDecoder } from './dequantTables';

const fr = Math.fround;

/** block_q4_0 (18 bytes): half d · 16 bytes, low nibbles are values 0…15, high nibbles 16…31; x = (q − 8)·d. */
export const dequantQ4_0: BlockDecoder = (src, off, nBlocks, dst, o) => {
  for (let i = 0; i < nBlocks; i++, off += 18, o += 32) {
    const d = half(src, off);
    for (let j = 0; j < 16; j++) {
      const q = src[off + 2 + j];
      dst[o + j] = ((q & 15) - 8) * d;
      dst[o + j + 16] = ((q >> 4) - 8) * d;
    }
  }
};

/** block_q4_1 (20 bytes): half d · half m · 16 bytes of nibbles; x = q·d + m. */
export const dequantQ4_1: BlockDecoder = (src, off, nBlocks, dst, o) => {
  for (let i = 0; i < nBlocks; i++, off += 20, o += 32) {
    const d = half(src, off);
    const m = half(src, off + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[off + 4 + j];
      dst[o + j] = fr((q & 15) * d) + m;
      dst[o + j + 16] = fr((q >> 4) * d) + m;
    }
  }
};

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** block_q5_0 (22 bytes): half d · u32 qh (fifth bits: bit j for value j, bit j+16 for value j+16) · 16 bytes of nibbles; x = (q − 16)·d. */
export const dequantQ5_0: BlockDecoder = (src, off, nBlocks, dst, o) => {
  for (let i = 0; i < nBlocks; i++, off += 22, o += 32) {
    const d = half(src, off);
    const qh = u32(src, off + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[off + 6 + j];
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      dst[o + j] = (((q & 15) | h0) - 16) * d;
      dst[o + j + 16] = (((q >> 4) | h1) - 16) * d;
    }
  }
};

/** block_q5_1 (24 bytes): half d · half m · u32 qh · 16 bytes of nibbles; x = q·d + m. */
export const dequantQ5_1: BlockDecoder = (src, off, nBlocks, dst, o) => {
  for (let i = 0; i < nBlocks; i++, off += 24, o += 32) {
    const d = half(src, off);
    const m = half(src, off + 2);
    const qh = u32(src, off + 4);
    for (let j = 0; j < 16; j++) {
      const q = src[off + 8 + j];
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      dst[o + j] = fr(((q & 15) | h0) * d) + m;
      dst[o + j + 16] = fr(((q >> 4) | h1) * d) + m;
    }
  }
};

/** block_q8_0 (34 bytes): half d · 32 int8; x = q·d. */
export const dequantQ8_0: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const s8 = new Int8Array(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < nBlocks; i++, off += 34, o += 32) {
    const d = half(src, off);
    const b = off + 2;
    // Unrolled by four: the loop is bound by stores, and V8 keeps the four in flight.
    for (let j = 0; j < 32; j += 4) {
      dst[o + j] = s8[b + j] * d;
      dst[o + j + 1] = s8[b + j + 1] * d;
      dst[o + j + 2] = s8[b + j + 2] * d;
      dst[o + j + 3] = s8[b + j + 3] * d;
    }
  }
};

/** block_iq4_nl (18 bytes): half d · 16 bytes of nibbles indexing kvalues_iq4nl; x = d·k[q]. */
export const dequantIQ4_NL: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const k = KVALUES_IQ4NL; // a local: an imported binding costs a property access per read under CommonJS
  for (let i = 0; i < nBlocks; i++, off += 18, o += 32) {
    const d = half(src, off);
    for (let j = 0; j < 16; j++) {
      const q = src[off + 2 + j];
      dst[o + j] = d * k[q & 15];
      dst[o + j + 16] = d * k[q >> 4];
    }
  }
};

/**
 * block_mxfp4 (17 bytes): E8M0 exponent e · 16 bytes of E2M1 nibbles; x = k[q]·d with k the doubled
 * E2M1 values (kvalues_mxfp4) and d = GGML_E8M0_TO_FP32_HALF(e) = 2^(e − 128) (ggml-impl.h: the
 * half cancels the doubling; no NaN for e = 255).
 */
export const dequantMXFP4: BlockDecoder = (src, off, nBlocks, dst, o) => {
  const k = KVALUES_MXFP4;
  for (let i = 0; i < nBlocks; i++, off += 17, o += 32) {
    const d = 2 ** (src[off] - 128);
    for (let j = 0; j < 16; j++) {
      const q = src[off + 1 + j];
      dst[o + j] = k[q & 15] * d;
      dst[o + j + 16] = k[q >> 4] * d;
    }
  }
};
