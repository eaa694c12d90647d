/**
 * Decoding of GGUF block-quantized tensors for the quantized-storage hook (io/quant/decode.ts,
 * scheme `ggml`): a TensorEntry whose `quant.parts[0]` is the tensor's raw blocks (U8) and
 * `quant.params.type` its ggml type id. Blocks run along rows (`ne[0]` is a multiple of the block
 * size), so element e of the row-major tensor is value `e mod B` of block `floor(e / B)`.
 */
import type { TensorEntry } from '../../model/types';
import type { PartReader, PartReadOptions, QuantDecoder } from '../quant/types';
import { dequantIQ4_NL, dequantMXFP4, dequantQ4_0, dequantQ4_1, dequantQ5_0, dequantQ5_1, dequantQ8_0 } from './dequantLegacy';
import { dequantIQ4_XS, dequantQ2_K, dequantQ3_K, dequantQ4_K, dequantQ5_K, dequantQ6_K, dequantQ8_K } from './dequantK';
import { dequantIQ2_S, dequantIQ2_XS, dequantIQ2_XXS, dequantIQ3_S, dequantIQ3_XXS } from './dequantIQ';
import { dequantIQ1_M, dequantIQ1_S } from './dequantIQ1';
import type { BlockDecoder } from './dequantTables';
import { dequantTQ1_0, dequantTQ2_0 } from './dequantTernary';
import { ggmlType } from './ggmlTypes';
import { wasmBlockDecoder } from './ggmlBlocksWasm';

/** Block decoders by ggml type name. */
export const BLOCK_DECODERS: Readonly<Record<string, BlockDecoder>> = {
  Q4_0: dequantQ4_0,
  Q4_1: dequantQ4_1,
  Q5_0: dequantQ5_0,
  Q5_1: dequantQ5_1,
  Q8_0: dequantQ8_0,
  IQ4_NL: dequantIQ4_NL,
  MXFP4: dequantMXFP4,
  Q2_K: dequantQ2_K,
  Q3_K: dequantQ3_K,
  Q4_K: dequantQ4_K,
  Q5_K: dequantQ5_K,
  Q6_K: dequantQ6_K,
  Q8_K: dequantQ8_K,
  IQ4_XS: dequantIQ4_XS,
  IQ2_XXS: dequantIQ2_XXS,
  IQ2_XS: dequantIQ2_XS,
  IQ2_S: dequantIQ2_S,
  IQ3_XXS: dequantIQ3_XXS,
  IQ3_S: dequantIQ3_S,
  IQ1_S: dequantIQ1_S,
  IQ1_M: dequantIQ1_M,
  TQ1_0: dequantTQ1_0,
  TQ2_0: dequantTQ2_0,
};

/** Raw bytes per read, about 4 MiB and a whole number of blocks (and of the reader's 8-byte steps). */
function chunkBytes(typeSize: number, wanted: number | undefined): number {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const unit = (typeSize * 8) / gcd(typeSize, 8);
  return Math.max(1, Math.floor((wanted ?? 4 << 20) / unit)) * unit;
}

/** Elements `[first, first+count)` of a GGUF block-quantized tensor as float32. */
export const decodeGgml: QuantDecoder = async (entry: TensorEntry, first: number, count: number, opts: PartReadOptions, read: PartReader) => {
  const typeId = entry.quant?.params.type;
  const type = typeof typeId === 'number' ? ggmlType(typeId) : undefined;
  // The WASM SIMD kernel where the type has one (same values, bit for bit), else the JavaScript decoder.
  const decode = type ? (wasmBlockDecoder(type.name, type.blockSize, type.typeSize) ?? BLOCK_DECODERS[type.name]) : undefined;
  const part = entry.quant?.parts[0];
  if (!type || !decode || !part) throw new Error(`tensor '${entry.name}' is stored as ggml type ${String(typeId)}, which Layer Lens cannot decode`);
  const { blockSize: B, typeSize: S } = type;
  const out = new Float32Array(count);
  if (count === 0) return out;
  const b0 = Math.floor(first / B);
  const b1 = Math.ceil((first + count) / B);
  const scratch = new Float32Array(B);
  // A block that straddles the range's edges (a read that is not whole rows) is decoded to scratch.
  const emit = (bytes: Uint8Array, off: number, block: number, n: number) => {
    const start = block * B;
    let k = 0;
    if (start < first) {
      decode(bytes, off, 1, scratch, 0);
      const take = Math.min(B - (first - start), count);
      out.set(scratch.subarray(first - start, first - start + take), 0);
      k = 1;
    }
    let whole = n - k;
    const lastEnd = (block + n) * B;
    const cutLast = lastEnd > first + count && whole > 0;
    if (cutLast) whole--;
    if (whole > 0) decode(bytes, off + k * S, whole, out, (block + k) * B - first);
    if (cutLast) {
      const lb = block + n - 1;
      decode(bytes, off + (n - 1) * S, 1, scratch, 0);
      out.set(scratch.subarray(0, first + count - lb * B), lb * B - first);
    }
  };
  let carry = new Uint8Array(0);
  let next = b0;
  await read.rawChunks(part, b0 * S, (b1 - b0) * S, { ...opts, chunkBytes: chunkBytes(S, opts.chunkBytes) }, (bytes) => {
    let off = 0;
    if (carry.length) {
      // A block split across chunks (chunk sizes are whole blocks, so only if the reader changes them).
      const need = S - carry.length;
      const joined = new Uint8Array(carry.length + Math.min(need, bytes.length));
      joined.set(carry);
      joined.set(bytes.subarray(0, need), carry.length);
      if (joined.length < S) {
        carry = joined;
        return;
      }
      emit(joined, 0, next++, 1);
      off = need;
    }
    const n = Math.floor((bytes.length - off) / S);
    if (n > 0) emit(bytes, off, next, n);
    next += n;
    carry = bytes.slice(off + n * S);
  });
  return out;
};
