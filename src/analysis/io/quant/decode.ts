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

export function decodeQuantized(entry: TensorEntry, first: number, count: number, opts: PartReadOptions, read: PartReader): Promise<Float32Array> {
  const q = entry.quant;
  if (!q) throw new Error(`tensor '${entry.name}' is not quantized`);
  if (q.decodable === false) throw new Error(notDecodableMessage(entry));
  const decoder = DECODERS[q.scheme];
  if (!decoder) throw new Error(`tensor '${entry.name}' uses the quantization scheme '${q.scheme}', which Layer Lens cannot decode`);
  return decoder(entry, first, count, opts, read);
}

/** Why a listed quantized weight cannot be read: its storage and, when the scheme recorded one, the reason. */
export function notDecodableMessage(entry: TensorEntry): string {
  const q = entry.quant!;
  const reason = typeof q.params.reason === 'string' ? `: ${q.params.reason}` : '';
  return `tensor '${entry.name}' is stored as ${q.label}, which Layer Lens cannot decode${reason}`;
}
