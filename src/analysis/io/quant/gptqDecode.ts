/**
 * GPTQ weights (AutoGPTQ / GPTQModel / transformers+optimum checkpoints): `qweight` int32
 * `[in·bits/32, out]` packs the input dimension, `qzeros` int32 `[groups, out·bits/32]` packs the
 * output dimension, `scales` `[groups, out]`, `g_idx` int32 `[in]` the group of each input column.
 *
 * Following GPTQModel `nn_modules/qlinear/__init__.py` `PackableQuantLinear.dequantize_weight` and
 * `pack` (and AutoGPTQ `qlinear_cuda_old.py` `QuantLinear.forward`): code `j` of a packed word sits
 * at bit `bits·j` (3-bit: 32 codes in 3 words, the 11th and 22nd straddling two), the weight is
 * `W[o, i] = scales[g_idx[i], o] · (q[i, o] − z[g_idx[i], o])` in the scales' dtype. The
 * `checkpoint_format` "gptq" (v1) stores each zero point minus one, and the reference adds it back
 * per field (`zeros = zeros + 1` in qlinear_cuda_old.py; GPTQModel `convert_gptq_v1_to_v2_format`);
 * "gptq_v2" stores them as they are.
 */
import type { TensorEntry } from '../../model/types';
import type { PartReader, PartReadOptions, QuantDecoder, QuantStreamer } from './types';
import { buildLut, byRows, groupIndex, unpackField } from './groupedInt';
import { int32Words, wholePartBytes, wholePartF32 } from './partBytes';
import { gptq4Wasm, streamGptq4, type GroupTables } from './groupedInt4Wasm';

export interface GptqParams {
  bits: number;
  /** Input columns per group (`in` when the checkpoint's group_size is −1). */
  groupSize: number;
  groups: number;
  inFeatures: number;
  outFeatures: number;
  /** 1 for `checkpoint_format` "gptq" (zeros stored minus one), 0 for "gptq_v2". */
  zeroOffset: number;
  scaleDtype: string;
  /** Whether `parts[3]` is the `g_idx` tensor. */
  hasGIdx: boolean;
}

/** Output rows per block: packed word rows outer, so the reads of qweight stay sequential. */
const ROW_BLOCK = 64;

/**
 * Rows `[o0, o1)` for 2, 4 and 8 bits: for each packed word row (inputs `i0 … i0+32/bits`), the
 * group offsets into a row's tables are loaded once and reused for every output row of the block
 * (measured faster than one output row at a time, whose reads stride through qweight).
 */
function decodeWords(
  qw: Int32Array,
  out: number,
  n: number,
  o0: number,
  o1: number,
  gidx: Int32Array,
  groups: number,
  bits: number,
  lut: Float32Array,
  res: Float32Array,
): void {
  if (bits === 4) return decode4(qw, out, n, o0, o1, gidx, groups, lut, res);
  const per = 32 / bits;
  const mask = (1 << bits) - 1;
  const rowTables = groups << bits;
  const goff = new Int32Array(per);
  for (let b0 = o0; b0 < o1; b0 += ROW_BLOCK) {
    const b1 = Math.min(o1, b0 + ROW_BLOCK);
    for (let k = 0, i0 = 0; i0 < n; k++, i0 += per) {
      for (let j = 0; j < per; j++) goff[j] = gidx[i0 + j] << bits;
      const src = k * out;
      for (let o = b0; o < b1; o++) {
        const r = o - o0;
        const t = r * rowTables;
        const dst = r * n + i0;
        let w = qw[src + o];
        for (let j = 0; j < per; j++) {
          res[dst + j] = lut[t + goff[j] + (w & mask)];
          w >>>= bits;
        }
      }
    }
  }
}

/** decodeWords for 4 bits (the common case), the eight codes of a word unrolled. */
function decode4(qw: Int32Array, out: number, n: number, o0: number, o1: number, gidx: Int32Array, groups: number, lut: Float32Array, res: Float32Array): void {
  const rowTables = groups << 4;
  for (let b0 = o0; b0 < o1; b0 += ROW_BLOCK) {
    const b1 = Math.min(o1, b0 + ROW_BLOCK);
    for (let k = 0, i0 = 0; i0 < n; k++, i0 += 8) {
      const g0 = gidx[i0] << 4;
      const g1 = gidx[i0 + 1] << 4;
      const g2 = gidx[i0 + 2] << 4;
      const g3 = gidx[i0 + 3] << 4;
      const g4 = gidx[i0 + 4] << 4;
      const g5 = gidx[i0 + 5] << 4;
      const g6 = gidx[i0 + 6] << 4;
      const g7 = gidx[i0 + 7] << 4;
      const src = k * out;
      for (let o = b0; o < b1; o++) {
        const r = o - o0;
        const t = r * rowTables;
        const dst = r * n + i0;
        const w = qw[src + o];
        res[dst] = lut[t + g0 + (w & 15)];
        res[dst + 1] = lut[t + g1 + ((w >>> 4) & 15)];
        res[dst + 2] = lut[t + g2 + ((w >>> 8) & 15)];
        res[dst + 3] = lut[t + g3 + ((w >>> 12) & 15)];
        res[dst + 4] = lut[t + g4 + ((w >>> 16) & 15)];
        res[dst + 5] = lut[t + g5 + ((w >>> 20) & 15)];
        res[dst + 6] = lut[t + g6 + ((w >>> 24) & 15)];
        res[dst + 7] = lut[t + g7 + (w >>> 28)];
      }
    }
  }
}

/** The group of each input and the per-(group, row) tables of a GPTQ weight, from its parts (all but qweight). */
async function gptqTables(entry: TensorEntry, opts: PartReadOptions, read: PartReader): Promise<{ gidx: Int32Array; tables: GroupTables }> {
  const p = entry.quant!.params as unknown as GptqParams;
  const [, qzPart, sPart, gPart] = entry.quant!.parts;
  const [qzBytes, scales, gBytes] = await Promise.all([
    wholePartBytes(read, qzPart, opts),
    wholePartF32(read, sPart, opts),
    p.hasGIdx ? wholePartBytes(read, gPart, opts) : Promise.resolve(null),
  ]);
  const { bits, inFeatures: n, outFeatures: out, groups } = p;
  const qz = int32Words(qzBytes);
  const gidx = groupIndex(entry.name, gPart?.name, gBytes && int32Words(gBytes), n, p.groupSize, groups);
  const zeroWords = qz.length / groups;
  const tables: GroupTables = {
    groups,
    zero: (g, o) => unpackField(qz, g * zeroWords, o, bits) + p.zeroOffset,
    scale: (g, o) => scales[g * out + o],
    scaleDtype: p.scaleDtype,
    groupRow: (g, s, z, at) => {
      s.set(scales.subarray(g * out, (g + 1) * out), at);
      const base = g * zeroWords;
      if (bits === 4) for (let o = 0; o < out; o++) z[at + o] = ((qz[base + (o >>> 3)] >>> (4 * (o & 7))) & 15) + p.zeroOffset;
      else for (let o = 0; o < out; o++) z[at + o] = unpackField(qz, base, o, bits) + p.zeroOffset;
    },
  };
  return { gidx, tables };
}

export const decodeGptq: QuantDecoder = (entry, first, count, opts, read, into) =>
  byRows(
    entry,
    first,
    count,
    async (o0, o1, dest) => {
      const p = entry.quant!.params as unknown as GptqParams;
      const [qwBytes, { gidx, tables }] = await Promise.all([wholePartBytes(read, entry.quant!.parts[0], opts), gptqTables(entry, opts, read)]);
      const { bits, inFeatures: n, outFeatures: out, groups } = p;
      const qw = int32Words(qwBytes);
      const rows = o1 - o0;
      const res = dest ?? new Float32Array(rows * n);
      // 4 bits: the WASM SIMD kernel, the same values as the tables below.
      if (bits === 4 && gptq4Wasm(qw, out, n, o0, o1, gidx, tables, res)) return res;
      const lut = buildLut(bits, groups, o0, o1, tables.zero, tables.scale, p.scaleDtype);
      if (bits === 3) {
        // Codes straddle words: the general field reader, one column of qweight at a time.
        for (let o = o0; o < o1; o++) {
          const r = o - o0;
          for (let i = 0; i < n; i++) {
            const bit = i * 3;
            const w = bit >>> 5;
            const sh = bit & 31;
            let v = qw[w * out + o] >>> sh;
            if (sh > 29) v |= qw[(w + 1) * out + o] << (32 - sh);
            res[r * n + i] = lut[((r * groups + gidx[i]) << 3) + (v & 7)];
          }
        }
        return res;
      }
      decodeWords(qw, out, n, o0, o1, gidx, groups, bits, lut, res);
      return res;
    },
    into,
  );

/** The whole weight streamed by the WASM kernel, its packed words read straight into its memory (groupedInt4Wasm.ts); 4 bits only. */
export const streamGptq: QuantStreamer = async (entry, chunkValues, opts, read, consume) => {
  const p = entry.quant!.params as unknown as GptqParams;
  if (p.bits !== 4) return false;
  return streamGptq4({ entry, qwPart: entry.quant!.parts[0], read, opts, chunkValues, consume }, p.outFeatures, p.inFeatures, p.groups, () =>
    gptqTables(entry, opts, read),
  );
};
