/**
 * compressed-tensors `pack-quantized` weights: `weight_packed` int32 `[out, ceil(in·bits/32)]`
 * packs the input dimension, `weight_scale` `[out, groups]` (channel strategy: `[out, 1]`),
 * optional `weight_zero_point` int32 `[ceil(out·bits/32), groups]` packed along the output
 * dimension, optional `weight_g_idx` `[in]`.
 *
 * Following compressed-tensors `compressors/quantized_compressors/pack_quantized.py`
 * (`pack_to_int32` / `unpack_from_int32`): code `j` of word `c` is at bits `bits·j` and holds value
 * `8c + j` (4-bit), stored unsigned as `value + 2^(bits−1)`; zero points are packed the same way
 * along the rows. `quantization/lifecycle/forward.py` `_dequantize` then computes
 * `(x_q − zero_point) · scale` in the scale's dtype. With both offsets applied the difference is
 * `u − u_zero` (or `u − 2^(bits−1)` without zero points), which is what the table holds.
 */
import type { QuantDecoder } from './types';
import { buildLut, byRows, groupIndex } from './groupedInt';
import { int32Words, readPartBytes, wholePartBytes, wholePartF32 } from './partBytes';

export interface CtPackedParams {
  bits: number;
  groupSize: number;
  groups: number;
  inFeatures: number;
  outFeatures: number;
  /** int32 words per row of weight_packed. */
  packedCols: number;
  scaleDtype: string;
  /** `out`, or 1 for a single per-tensor scale. */
  scaleRows: number;
  /** Index in `parts` of weight_zero_point, or −1. */
  zeroPart: number;
  /** Index in `parts` of weight_g_idx, or −1. */
  gIdxPart: number;
}

export const decodeCtPacked: QuantDecoder = (entry, first, count, opts, read, into) =>
  byRows(
    entry,
    first,
    count,
    async (o0, o1, dest) => {
      const p = entry.quant!.params as unknown as CtPackedParams;
      const parts = entry.quant!.parts;
      const { bits, inFeatures: n, groups, packedCols: pc } = p;
      const [packedBytes, scales, zBytes, gBytes] = await Promise.all([
        readPartBytes(read, parts[0], o0 * pc, (o1 - o0) * pc, opts),
        wholePartF32(read, parts[1], opts),
        p.zeroPart >= 0 ? wholePartBytes(read, parts[p.zeroPart], opts) : Promise.resolve(null),
        p.gIdxPart >= 0 ? wholePartBytes(read, parts[p.gIdxPart], opts) : Promise.resolve(null),
      ]);
      const per = 32 / bits;
      const mask = (1 << bits) - 1;
      const offset = 1 << (bits - 1);
      const zw = zBytes && int32Words(zBytes);
      const gidx = groupIndex(entry.name, p.gIdxPart >= 0 ? parts[p.gIdxPart].name : undefined, gBytes && int32Words(gBytes), n, p.groupSize, groups);
      const lut = buildLut(
        bits,
        groups,
        o0,
        o1,
        zw ? (g, o) => (zw[Math.floor(o / per) * groups + g] >>> (bits * (o % per))) & mask : () => offset,
        p.scaleRows === 1 ? () => scales[0] : (g, o) => scales[o * groups + g],
        p.scaleDtype,
      );
      const packed = int32Words(packedBytes);
      const rows = o1 - o0;
      const res = dest ?? new Float32Array(rows * n);
      for (let r = 0; r < rows; r++) {
        const dst = r * n;
        const row = r * groups;
        for (let c = 0; c < pc; c++) {
          let w = packed[r * pc + c];
          const i0 = c * per;
          const end = Math.min(per, n - i0);
          for (let j = 0; j < end; j++) {
            res[dst + i0 + j] = lut[((row + gidx[i0 + j]) << bits) + (w & mask)];
            w >>>= bits;
          }
        }
      }
      return res;
    },
    into,
  );
