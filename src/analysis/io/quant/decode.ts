/**
 * Dispatch from a quantized weight's scheme (TensorEntry.quant.scheme) to its decoder. Each scheme
 * lives in its own module and is registered here with one line.
 */
import type { TensorEntry } from '../../model/types';
import { decodeGgml } from '../gguf/dequant';
import { decodeLoraDelta, decodeLoraMerged } from './lora';
import { decodeAwq } from './awqDecode';
import { decodeBnb4bit } from './bnb4bitDecode';
import { decodeBnbInt8 } from './bnbInt8Decode';
import { decodeCtPacked } from './ctPackedDecode';
import { decodeCtScaled } from './ctScaledDecode';
import { decodeGptq } from './gptqDecode';
import type { PartReader, PartReadOptions, QuantDecoder } from './types';

const DECODERS: Readonly<Record<string, QuantDecoder>> = {
  // scheme: decoder, one line each
  gptq: decodeGptq,
  awq: decodeAwq,
  'ct-packed': decodeCtPacked,
  'ct-scaled': decodeCtScaled,
  bnb4bit: decodeBnb4bit,
  'bnb-int8': decodeBnbInt8,
  lora: decodeLoraDelta,
  'lora-merged': decodeLoraMerged,
  ggml: decodeGgml,
};

/** The schemes that can be decoded, for messages and tests. */
export const QUANT_SCHEMES: readonly string[] = Object.keys(DECODERS);

/**
 * Elements `[first, first+count)` of a quantized weight as float32: a new array, or with `into`
 * (at least `count` long) written to its first `count` elements, which are returned.
 */
export async function decodeQuantized(
  entry: TensorEntry,
  first: number,
  count: number,
  opts: PartReadOptions,
  read: PartReader,
  into?: Float32Array,
): Promise<Float32Array> {
  const q = entry.quant;
  if (!q) throw new Error(`tensor '${entry.name}' is not quantized`);
  if (q.decodable === false) throw new Error(notDecodableMessage(entry));
  const decoder = DECODERS[q.scheme];
  if (!decoder) throw new Error(`tensor '${entry.name}' uses the quantization scheme '${q.scheme}', which Layer Lens cannot decode`);
  if (!into) return decoder(entry, first, count, opts, read);
  if (into.length < count) throw new Error(`a destination of ${into.length} values cannot hold ${count} values of tensor '${entry.name}'`);
  const dest = into.length === count ? into : into.subarray(0, count);
  const got = await decoder(entry, first, count, opts, read, dest);
  // Every decoder writes into `dest`; this only guards the contract (a copy, never wrong values).
  if (got.buffer !== dest.buffer || got.byteOffset !== dest.byteOffset) dest.set(got);
  return dest;
}

/** Why a listed quantized weight cannot be read: its storage and, when the scheme recorded one, the reason. */
export function notDecodableMessage(entry: TensorEntry): string {
  const q = entry.quant!;
  const reason = typeof q.params.reason === 'string' ? `: ${q.params.reason}` : '';
  return `tensor '${entry.name}' is stored as ${q.label}, which Layer Lens cannot decode${reason}`;
}
