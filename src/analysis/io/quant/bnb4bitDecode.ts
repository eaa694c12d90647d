/**
 * bitsandbytes 4-bit weights (NF4 / FP4, transformers' `load_in_4bit` checkpoints): `weight` U8
 * holds two codes a byte over the flattened `[out, in]` weight (element `2k` in the high nibble,
 * `2k+1` in the low), `weight.absmax` one scale per `blocksize` elements, `weight.quant_map` the 16
 * code values; with double quantization (`nested`) absmax itself is stored as U8 codes of the
 * 256-entry `weight.nested_quant_map`, scaled per `nested_blocksize` by `weight.nested_absmax` and
 * shifted by `nested_offset` (the JSON of `weight.quant_state.bitsandbytes__nf4`).
 *
 * Following bitsandbytes `functional.py` (`QuantState.from_dict`, `dequantize_4bit`, whose nested
 * branch is `dequantize_blockwise(absmax, state2) + offset` in float32) and the 4-bit kernel
 * `kDequantizeBlockwise` in `csrc/kernels.cu`: `(T)(code[q] · absmax)`, the product in float32
 * then one rounding to the checkpoint's dtype T. (The pure-PyTorch fallback in
 * `backends/default/ops.py` rounds the code to T first; for float32 checkpoints the two agree.)
 */
import type { TensorEntry } from '../../model/types';
import type { PartReader, PartReadOptions, QuantDecoder } from './types';
import { roundToScaleDtype } from './floatRound';
import { readPartBytes, wholePartBytes, wholePartF32 } from './partBytes';

export interface Bnb4bitParams {
  quantType: string;
  blocksize: number;
  /** The dtype the weights are dequantized to, as a safetensors dtype: F32, F16 or BF16. */
  dtype: string;
  /** Double quantization: absmax (parts[1]) is U8 codes of nested_quant_map (parts[4]) times nested_absmax (parts[3]). */
  nested: boolean;
  nestedBlocksize: number;
  nestedOffset: number;
}

/** The per-block scales, dequantized when nested (float32 throughout, as dequantize_blockwise computes them). */
async function absmaxOf(p: Bnb4bitParams, parts: TensorEntry[], opts: PartReadOptions, read: PartReader): Promise<Float32Array> {
  if (!p.nested) return wholePartF32(read, parts[1], opts);
  const [codes, nestedAbsmax, nestedMap] = await Promise.all([
    wholePartBytes(read, parts[1], opts),
    wholePartF32(read, parts[3], opts),
    wholePartF32(read, parts[4], opts),
  ]);
  const out = new Float32Array(codes.length);
  // The offset is a float32 tensor in the reference (torch.tensor(float(nested_offset))).
  const offset = Math.fround(p.nestedOffset);
  for (let b = 0; b < codes.length; b++) out[b] = Math.fround(Math.fround(nestedMap[codes[b]] * nestedAbsmax[Math.floor(b / p.nestedBlocksize)]) + offset);
  return out;
}

export const decodeBnb4bit: QuantDecoder = async (entry, first, count, opts, read, into) => {
  const p = entry.quant!.params as unknown as Bnb4bitParams;
  const parts = entry.quant!.parts;
  const res = into ?? new Float32Array(count);
  if (count === 0) return res;
  const b0 = Math.floor(first / 2);
  const b1 = Math.ceil((first + count) / 2);
  const [bytes, absmax, map] = await Promise.all([
    readPartBytes(read, parts[0], b0, b1 - b0, opts),
    absmaxOf(p, parts, opts, read),
    wholePartF32(read, parts[2], opts),
  ]);
  const lut = new Float32Array(16);
  const bs = p.blocksize;
  let e = first;
  const end = first + count;
  while (e < end) {
    const block = Math.floor(e / bs);
    const stop = Math.min(end, (block + 1) * bs);
    const a = absmax[block];
    for (let c = 0; c < 16; c++) lut[c] = roundToScaleDtype(map[c] * a, p.dtype);
    // Offsets from the first byte read (an even element), so the shifts stay within 32 bits.
    for (let rel = e - 2 * b0, r = e - first; e < stop; e++, rel++, r++) {
      const byte = bytes[rel >>> 1];
      res[r] = lut[rel & 1 ? byte & 15 : byte >>> 4];
    }
  }
  return res;
};
