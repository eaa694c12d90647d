/**
 * Lookup tables the ggml dequantizers share: IEEE half precision → float32 for every 16-bit pattern
 * (`GGML_FP16_TO_FP32`, an exact widening), IQ4_NL's sixteen non-linear levels (`kvalues_iq4nl`,
 * ggml/src/ggml-common.h, also used by IQ4_XS) and MXFP4's doubled E2M1 values.
 */

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** `FP16[h]` is the float32 value of the half with bits `h`. */
export const FP16 = new Float32Array(65536);
for (let h = 0; h < 65536; h++) FP16[h] = halfToFloat(h);

/** The half at byte `o` of `b` (little-endian) as a float32 value. */
export function half(b: Uint8Array, o: number): number {
  return FP16[b[o] | (b[o + 1] << 8)];
}

export const KVALUES_IQ4NL = new Int8Array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]);

/** The E2M1 (FP4) values doubled, `kvalues_mxfp4` (ggml-common.h `kvalues_fp4`). */
export const KVALUES_MXFP4 = new Int8Array([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]);

/** A block decoder: `nBlocks` consecutive blocks from byte `off` of `src` into `dst` from `dstOff`. */
export type BlockDecoder = (src: Uint8Array, off: number, nBlocks: number, dst: Float32Array, dstOff: number) => void;
