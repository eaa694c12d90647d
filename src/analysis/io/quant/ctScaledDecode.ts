/**
 * compressed-tensors `float-quantized` (FP8 E4M3) and `int-quantized` (int8) weights: `weight` of
 * one byte a value, `weight_scale` per tensor (`[1]` or `[]`), per output channel (`[out, 1]`) or
 * per group (`[out, groups]`) or per block (`[ceil(out/bh), ceil(in/bw)]`), optional `weight_zero_point` of the same shape.
 *
 * Following compressed-tensors `quantization/lifecycle/forward.py` `_dequantize`: the stored value
 * is converted to the scale's dtype (exact for E4M3 and int8) and the weight is
 * `(x_q − zero_point) · scale` in that dtype: a multiplication, not a division. As a value has 256
 * possible codes, each (row, group) gets a table of the 256 decoded values.
 */
import { decodeInto } from '../dtypes';
import type { QuantDecoder } from './types';
import { byRows } from './groupedInt';
import { roundToScaleDtype } from './floatRound';
import { readPartBytes, wholePartF32 } from './partBytes';

export interface CtScaledParams {
  inFeatures: number;
  outFeatures: number;
  groupSize: number;
  groups: number;
  /**
   * Output rows per row of weight_scale: 1 for channel and group scales, the block height for
   * block scales `[ceil(out/bh), ceil(in/bw)]`, `out` for one per-tensor scale.
   */
  rowsPerScale: number;
  scaleDtype: string;
  /** Index in `parts` of weight_zero_point, or −1. */
  zeroPart: number;
}

export const decodeCtScaled: QuantDecoder = (entry, first, count, opts, read, into) =>
  byRows(
    entry,
    first,
    count,
    async (o0, o1, dest) => {
      const p = entry.quant!.params as unknown as CtScaledParams;
      const parts = entry.quant!.parts;
      const { inFeatures: n, groups, groupSize } = p;
      const [bytes, scales, zeros] = await Promise.all([
        readPartBytes(read, parts[0], o0 * n, (o1 - o0) * n, opts),
        wholePartF32(read, parts[1], opts),
        p.zeroPart >= 0 ? wholePartF32(read, parts[p.zeroPart], opts) : Promise.resolve(null),
      ]);
      // The value of every byte code in the stored dtype (F8_E4M3, F8_E5M2, I8, U8).
      const codes = new Float32Array(256);
      decodeInto(
        parts[0].dtype,
        Uint8Array.from({ length: 256 }, (_, i) => i),
        codes,
        0,
      );
      const rows = o1 - o0;
      const res = dest ?? new Float32Array(rows * n);
      const lut = new Float32Array(groups * 256);
      for (let r = 0; r < rows; r++) {
        const o = o0 + r;
        for (let g = 0; g < groups; g++) {
          const at = Math.floor(o / p.rowsPerScale) * groups + g;
          const s = scales[at];
          const z = zeros ? zeros[at] : 0;
          for (let u = 0; u < 256; u++) lut[g * 256 + u] = roundToScaleDtype((codes[u] - z) * s, p.scaleDtype);
        }
        const src = r * n;
        for (let i = 0; i < n; i++) res[src + i] = lut[Math.floor(i / groupSize) * 256 + bytes[src + i]];
      }
      return res;
    },
    into,
  );
