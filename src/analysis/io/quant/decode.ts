/**
 * Dispatch from a quantized weight's scheme (TensorEntry.quant.scheme) to its decoder. Each scheme
 * lives in its own module and is registered here with one line.
 */
import type { TensorEntry } from '../../model/types';
import { decodeGgml } from '../gguf/dequant';
import { decodeLoraDelta, decodeLoraMerged } from './lora';
import { decodeAwq, streamAwq } from './awqDecode';
import { decodeBnb4bit } from './bnb4bitDecode';
import { decodeBnbInt8 } from './bnbInt8Decode';
import { decodeCtPacked } from './ctPackedDecode';
import { decodeCtScaled } from './ctScaledDecode';
import { decodeGptq, streamGptq } from './gptqDecode';
import type { PartReader, PartReadOptions, QuantDecoder, QuantStreamer } from './types';

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

/** Schemes with a whole-weight stream of their own (types.ts QuantStreamer), tried before chunk-by-chunk decoding. */
const STREAMERS: Readonly<Record<string, QuantStreamer>> = {
  gptq: streamGptq,
  awq: streamAwq,
};

/**
 * Streams a whole quantized weight through its scheme's own streamer; false (nothing consumed)
 * where it has none or it does not apply, and the caller decodes chunk by chunk.
 */
export function streamQuantizedWhole(
  entry: TensorEntry,
  chunkValues: number,
  opts: PartReadOptions,
  read: PartReader,
  consume: (values: Float32Array, firstElement: number) => void | Promise<void>,
): Promise<boolean> {
  const streamer = entry.quant && entry.quant.decodable !== false ? STREAMERS[entry.quant.scheme] : undefined;
  return streamer ? streamer(entry, chunkValues, opts, read, consume) : Promise.resolve(false);
}

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
