/**
 * The ternary types (values −d, 0, d), bit for bit as ggml/src/ggml-quants.c dequantizes them
 * (`dequantize_row_tq1_0`, `dequantize_row_tq2_0`; block structs in ggml-common.h). `(q − 1)·d`
 * with q ∈ {0, 1, 2} is exact (a zero keeps the sign of d, as in C).
 */
import { half, type BlockDecoder } from './dequantTables';

/** `pow3[]` of dequantize_row_tq1_0. */
const POW3 = [1, 3, 9, 27, 81];

/**
 * Value n (0…4) of a TQ1_0 byte holding five base-3 digits as a fixed-point fraction: the byte
 * times 3^n wraps to 8 bits (`uint8_t q = x * pow3[n]`), and the top digit is `(q * 3) >> 8`.
 */
function trit(byte: number, n: number): number {
  return ((((byte * POW3[n]) & 0xff) * 3) >> 8) - 1;
}

/**
 * block_tq1_0 (54 bytes): qs[48] (five values per byte) · qh[4] (four values per byte) · half d.
 * Values 0–159: bytes 0–31, digit n of byte m is value 32n + m; 160–239: bytes 32–47 likewise in
 * groups of 16; 240–255: digit n of qh[j] is value 240 + 4n + j.
 */
export const dequantTQ1_0: BlockDecoder = (src, off, nBlocks, dst, o) => {
  for (let i = 0; i < nBlocks; i++, off += 54) {
    const d = half(src, off + 52);
    for (let n = 0; n < 5; n++) for (let m = 0; m < 32; m++) dst[o++] = trit(src[off + m], n) * d;
    for (let n = 0; n < 5; n++) for (let m = 0; m < 16; m++) dst[o++] = trit(src[off + 32 + m], n) * d;
    for (let n = 0; n < 4; n++) for (let j = 0; j < 4; j++) dst[o++] = trit(src[off + 48 + j], n) * d;
  }
};

/**
 * block_tq2_0 (66 bytes): qs[64] (2 bits per value) · half d. Each 128 values use 32 bytes: bits
 * 2l…2l+1 of byte m are value 32l + m.
 */
export const dequantTQ2_0: BlockDecoder = (src, off, nBlocks, dst, o) => {
  for (let i = 0; i < nBlocks; i++, off += 66) {
    const d = half(src, off + 64);
    for (let j = 0; j < 64; j += 32) for (let l = 0; l < 4; l++) for (let m = 0; m < 32; m++) dst[o++] = (((src[off + j + m] >> (2 * l)) & 3) - 1) * d;
  }
};
