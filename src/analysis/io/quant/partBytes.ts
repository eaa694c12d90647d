/**
 * Reading the stored parts of a quantized weight as raw bytes: a range of elements into one buffer
 * (aligned, so packed int32 words can be viewed as an Int32Array), or a whole part through a small
 * cache. GPTQ and AWQ pack along the input dimension, so every row of the decoded `[out, in]`
 * matrix needs every packed word row; a weight streamed in chunks of rows would otherwise read its
 * packed tensor once per chunk. The cache holds the most recently used parts (at most
 * CACHE_BYTES together, each at most half of it: the packed int4 weight of a 16384×32768 matrix)
 * and is checked against the file's current identity on every use, so a checkpoint rewritten since
 * is read afresh (and then refused by the reader's own check).
 */
import { stat } from 'node:fs/promises';
import { DTYPE_BYTES, decodeInto } from '../dtypes';
import { stampOf } from '../readBytes';
import type { TensorEntry } from '../../model/types';
import type { ByteScratch, PartReader, PartReadOptions } from './types';

const CACHE_BYTES = 512 * 1024 * 1024;
const cache = new Map<string, Uint8Array>();
let cached = 0;

function keyOf(part: TensorEntry): string {
  return `${part.file}\0${part.dataStart}\0${part.byteLength}\0${part.fileStamp ?? ''}`;
}

/**
 * The raw little-endian bytes of elements `[first, first+count)` of a plain part, read straight into
 * one buffer: a new one, or with `opts.scratch` the stream's own buffer for this part (valid until
 * the part's next read through the same scratch, i.e. while one chunk is being decoded).
 */
export async function readPartBytes(read: PartReader, part: TensorEntry, first: number, count: number, opts: PartReadOptions): Promise<Uint8Array> {
  const n = count * DTYPE_BYTES[part.dtype];
  // Whole 8-byte words, so any view (Int32Array, Float64Array) of the result is aligned.
  const out = opts.scratch ? opts.scratch.bytes(part.name, n) : new Uint8Array(new ArrayBuffer(Math.ceil(n / 8) * 8), 0, n);
  await read.bytesInto(part, first, count, opts, out);
  return out;
}

/** Byte buffers kept by key for the chunks of one stream, each as large as the largest request so far. */
export function byteScratch(): ByteScratch {
  const buffers = new Map<string, ArrayBuffer>();
  return {
    bytes(key, n) {
      let buf = buffers.get(key);
      if (!buf || buf.byteLength < n) {
        buf = new ArrayBuffer(Math.ceil(n / 8) * 8);
        buffers.set(key, buf);
      }
      return new Uint8Array(buf, 0, n);
    },
  };
}

/** Every byte of a plain part, from the cache when the file is unchanged since it was read. */
export async function wholePartBytes(read: PartReader, part: TensorEntry, opts: PartReadOptions): Promise<Uint8Array> {
  const count = part.byteLength / DTYPE_BYTES[part.dtype];
  const key = keyOf(part);
  const hit = cache.get(key);
  if (hit && part.fileStamp) {
    const now = await stat(part.file, { bigint: true }).then(stampOf, () => null);
    if (now === part.fileStamp) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
  }
  if (hit) {
    cache.delete(key);
    cached -= hit.byteLength;
  }
  // Never into a stream's scratch: these bytes outlive the chunk (they are cached and returned).
  const bytes = await readPartBytes(read, part, 0, count, { ...opts, scratch: undefined });
  if (part.fileStamp && bytes.byteLength <= CACHE_BYTES / 2) {
    cache.set(key, bytes);
    cached += bytes.byteLength;
    for (const [k, v] of cache) {
      if (cached <= CACHE_BYTES) break;
      cache.delete(k);
      cached -= v.byteLength;
    }
  }
  return bytes;
}

/** Little-endian int32 words of raw bytes read by this module (their buffer is 8-byte aligned). */
export function int32Words(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
}

/**
 * The float32 values of parts whose bytes came from the cache, by those bytes: a weight streamed in
 * chunks decodes its scales once, not once per chunk. Entries go when the cache drops the bytes.
 */
const decoded = new WeakMap<Uint8Array, Float32Array>();

/**
 * The float32 values of a whole part (scales, absmax, quant maps): F16, BF16, F32, F8 and integer
 * parts alike. Shared between the reads of an unchanged part: callers must not write to it.
 */
export async function wholePartF32(read: PartReader, part: TensorEntry, opts: PartReadOptions): Promise<Float32Array> {
  const bytes = await wholePartBytes(read, part, opts);
  const hit = decoded.get(bytes);
  if (hit) return hit;
  const out = new Float32Array(part.byteLength / DTYPE_BYTES[part.dtype]);
  decodeInto(part.dtype, bytes, out, 0);
  if (cache.get(keyOf(part)) === bytes) decoded.set(bytes, out);
  return out;
}
