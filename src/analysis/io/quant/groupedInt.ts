/**
 * What the integer weight-only formats (GPTQ, AWQ, compressed-tensors pack-quantized) share: the
 * weight `W[o, i] = (q[o, i] − z[g, o]) · s[g, o]` with `g` the group of input column `i`, computed
 * by their references in the scales' dtype (one rounding of an exact product). As `q` takes only
 * 2^bits values, each (group, output row) gets a table of its 2^bits decoded values, built once per
 * chunk of rows; the inner loops are then a shift, a mask and a table load per element.
 */
import type { TensorEntry } from '../../model/types';
import { ModelFileError } from '../modelFileError';
import { rounderFor } from './floatRound';

/**
 * Elements `[first, first+count)` of a 2-D `[rows, cols]` weight from a decoder of whole rows
 * `[r0, r1)` (their values row-major, `(r1 − r0) · cols` of them, written into `dest` when given).
 * With `into`, a range of whole rows is decoded straight into it; a range cut inside rows is
 * decoded to a new array and its part copied.
 */
export async function byRows(
  entry: TensorEntry,
  first: number,
  count: number,
  decodeRows: (r0: number, r1: number, dest: Float32Array | undefined) => Promise<Float32Array>,
  into?: Float32Array,
): Promise<Float32Array> {
  if (count === 0) return into ?? new Float32Array(0);
  const cols = entry.shape[entry.shape.length - 1];
  const r0 = Math.floor(first / cols);
  const r1 = Math.ceil((first + count) / cols);
  const off = first - r0 * cols;
  const whole = off === 0 && (r1 - r0) * cols === count;
  const rows = await decodeRows(r0, r1, whole ? into : undefined);
  if (whole) return rows;
  if (!into) return rows.slice(off, off + count);
  into.set(rows.subarray(off, off + count));
  return into;
}

/**
 * The decoded values of rows `[r0, r1)`: entry `(((r − r0) · groups + g) << bits) + u` is
 * `(u − zero(g, r)) · scale(g, r)` rounded to `scaleDtype`, for every stored code `u < 2^bits`.
 * One row's tables are contiguous, so a block of rows decodes from a few hundred KiB.
 */
export function buildLut(
  bits: number,
  groups: number,
  r0: number,
  r1: number,
  zero: (g: number, r: number) => number,
  scale: (g: number, r: number) => number,
  scaleDtype: string,
): Float32Array {
  const rows = r1 - r0;
  const L = 1 << bits;
  const lut = new Float32Array(groups * rows * L);
  const round = rounderFor(scaleDtype);
  for (let r = r0; r < r1; r++)
    for (let g = 0; g < groups; g++) {
      const z = zero(g, r);
      const s = scale(g, r);
      const base = ((r - r0) * groups + g) * L;
      for (let u = 0; u < L; u++) lut[base + u] = round((u - z) * s);
    }
  return lut;
}

/**
 * Value `index` of a little-endian bit stream of `bits`-bit fields packed into consecutive int32
 * words from `words[base]` on. For 2, 4 and 8 bits a field never crosses a word; GPTQ's 3-bit
 * packing (32 values in 3 words) is the same stream, with values 10 and 21 straddling two words.
 */
export function unpackField(words: Int32Array, base: number, index: number, bits: number): number {
  const bit = index * bits;
  const w = base + (bit >>> 5);
  const sh = bit & 31;
  let v = words[w] >>> sh;
  if (sh + bits > 32) v |= words[w + 1] << (32 - sh);
  return v & ((1 << bits) - 1);
}

/**
 * The group of each input column: `g_idx` as stored (act-order checkpoints permute it), checked
 * against the number of groups, or `i / groupSize` when there is none.
 */
export function groupIndex(
  weight: string,
  gIdxName: string | undefined,
  gIdx: Int32Array | null,
  inFeatures: number,
  groupSize: number,
  groups: number,
): Int32Array {
  const out = new Int32Array(inFeatures);
  if (!gIdx) {
    for (let i = 0; i < inFeatures; i++) out[i] = Math.floor(i / groupSize);
    return out;
  }
  if (gIdx.length !== inFeatures)
    throw new ModelFileError(`tensor '${gIdxName}' of weight '${weight}' holds ${gIdx.length} group indices, but the weight has ${inFeatures} input columns`);
  for (let i = 0; i < inFeatures; i++) {
    const g = gIdx[i];
    if (g < 0 || g >= groups)
      throw new ModelFileError(
        `tensor '${gIdxName}' of weight '${weight}' puts input column ${i} in group ${g}, but there are only ${groups} groups of scales (0…${groups - 1})`,
      );
    out[i] = g;
  }
  return out;
}
