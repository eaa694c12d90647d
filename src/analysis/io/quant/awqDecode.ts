/**
 * AWQ weights in AutoAWQ's GEMM layout: `qweight` int32 `[in, out/8]` packs the output dimension,
 * eight 4-bit codes a word in AutoAWQ's interleaved order, `qzeros` int32 `[groups, out/8]` the same
 * way, `scales` `[groups, out]`, group `i / group_size` for input column `i`.
 *
 * Following AutoAWQ `awq/utils/packing_utils.py` `dequantize_gemm` (`unpack_awq`, then
 * `reverse_awq_order` with `AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7]`): output column `8c + m`
 * is the code at bits `4·AWQ_REVERSE_ORDER[m]` of word `c`, and `W[o, i] = (q[i, o] − z[g, o]) ·
 * scales[g, o]` in the scales' dtype (AWQ stores zero points as they are; no offset). The decoded
 * matrix is the transpose of that `[in, out]` product, `[out, in]` like every Linear weight.
 */
import type { TensorEntry } from '../../model/types';
import type { PartReader, PartReadOptions, QuantDecoder, QuantStreamer } from './types';
import { buildLut, byRows } from './groupedInt';
import { int32Words, wholePartBytes, wholePartF32 } from './partBytes';
import { awq4Wasm, streamAwq4, type GroupTables } from './groupedInt4Wasm';

export interface AwqParams {
  groupSize: number;
  groups: number;
  inFeatures: number;
  outFeatures: number;
  scaleDtype: string;
}

/** AutoAWQ's AWQ_REVERSE_ORDER: output column 8c + m lives at nibble REVERSE[m] of word c. */
const AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7];
const ROW_BLOCK = 64;

/**
 * Rows `[o0, o1)`, both multiples of 8: each packed word holds 8 consecutive output rows of one
 * input column, at nibbles `AWQ_REVERSE_ORDER` (shifts 0, 16, 4, 20, 8, 24, 12, 28), unrolled.
 */
function decodeAligned(
  qw: Int32Array,
  words: number,
  n: number,
  o0: number,
  o1: number,
  groups: number,
  groupSize: number,
  lut: Float32Array,
  res: Float32Array,
): void {
  const rowTables = groups << 4;
  const step = 8 * rowTables;
  for (let b0 = o0; b0 < o1; b0 += ROW_BLOCK) {
    const c0 = b0 >>> 3;
    const c1 = Math.min(o1, b0 + ROW_BLOCK) >>> 3;
    for (let i = 0; i < n; i++) {
      const src = i * words;
      const g = Math.floor(i / groupSize) << 4;
      let t = (b0 - o0) * rowTables + g;
      let dst = (b0 - o0) * n + i;
      for (let c = c0; c < c1; c++, t += step, dst += 8 * n) {
        const w = qw[src + c];
        res[dst] = lut[t + (w & 15)];
        res[dst + n] = lut[t + rowTables + ((w >>> 16) & 15)];
        res[dst + 2 * n] = lut[t + 2 * rowTables + ((w >>> 4) & 15)];
        res[dst + 3 * n] = lut[t + 3 * rowTables + ((w >>> 20) & 15)];
        res[dst + 4 * n] = lut[t + 4 * rowTables + ((w >>> 8) & 15)];
        res[dst + 5 * n] = lut[t + 5 * rowTables + ((w >>> 24) & 15)];
        res[dst + 6 * n] = lut[t + 6 * rowTables + ((w >>> 12) & 15)];
        res[dst + 7 * n] = lut[t + 7 * rowTables + (w >>> 28)];
      }
    }
  }
}

/** The per-(group, row) tables of an AWQ weight, from its zero points and scales. */
async function awqTables(entry: TensorEntry, opts: PartReadOptions, read: PartReader): Promise<GroupTables> {
  const p = entry.quant!.params as unknown as AwqParams;
  const [, qzPart, sPart] = entry.quant!.parts;
  const [qzBytes, scales] = await Promise.all([wholePartBytes(read, qzPart, opts), wholePartF32(read, sPart, opts)]);
  const qz = int32Words(qzBytes);
  const { outFeatures: out, groups } = p;
  const words = out / 8;
  return {
    groups,
    zero: (g, o) => (qz[g * words + (o >>> 3)] >>> (4 * AWQ_REVERSE_ORDER[o & 7])) & 15,
    scale: (g, o) => scales[g * out + o],
    scaleDtype: p.scaleDtype,
  };
}

export const decodeAwq: QuantDecoder = (entry, first, count, opts, read, into) =>
  byRows(
    entry,
    first,
    count,
    async (o0, o1, dest) => {
      const p = entry.quant!.params as unknown as AwqParams;
      const [qwBytes, tables] = await Promise.all([wholePartBytes(read, entry.quant!.parts[0], opts), awqTables(entry, opts, read)]);
      const { inFeatures: n, outFeatures: out, groups, groupSize } = p;
      const qw = int32Words(qwBytes);
      const words = out / 8;
      const rows = o1 - o0;
      const res = dest ?? new Float32Array(rows * n);
      // The WASM SIMD kernel where the shape suits it (whole words of rows, groups of 4 inputs): the same values as the tables below.
      if (awq4Wasm(qw, out, n, o0, o1, groupSize, tables, res)) return res;
      const lut = buildLut(4, groups, o0, o1, tables.zero, tables.scale, p.scaleDtype);
      if (o0 % 8 === 0 && rows % 8 === 0) decodeAligned(qw, words, n, o0, o1, groups, groupSize, lut, res);
      else {
        // Rows not on word boundaries (a read of a few elements): code by code.
        for (let r = 0; r < rows; r++) {
          const o = o0 + r;
          const shift = 4 * AWQ_REVERSE_ORDER[o & 7];
          for (let i = 0; i < n; i++) res[r * n + i] = lut[((r * groups + Math.floor(i / groupSize)) << 4) + ((qw[i * words + (o >>> 3)] >>> shift) & 15)];
        }
      }
      return res;
    },
    into,
  );

/** The whole weight streamed by the WASM kernel, its packed words read straight into its memory (groupedInt4Wasm.ts). */
export const streamAwq: QuantStreamer = async (entry, chunkValues, opts, read, consume) => {
  const p = entry.quant!.params as unknown as AwqParams;
  return streamAwq4({ entry, qwPart: entry.quant!.parts[0], read, opts, chunkValues, consume }, p.outFeatures, p.inFeatures, p.groupSize, p.groups, () =>
    awqTables(entry, opts, read),
  );
};
