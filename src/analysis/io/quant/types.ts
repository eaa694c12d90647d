/**
 * What a quantized-storage decoder is given: the plain-tensor readers of io/tensorReader.ts, passed
 * in rather than imported so that tensorReader can dispatch to the decoders without an import cycle.
 */
import type { JobContext } from '../../jobs';
import type { TensorEntry } from '../../model/types';

export interface PartReadOptions extends JobContext {
  chunkBytes?: number;
  /**
   * Raw-byte buffers a stream keeps for its successive chunks (partBytes.ts readPartBytes): a
   * decoder's row-range reads land in the same memory chunk after chunk instead of fresh buffers.
   */
  scratch?: ByteScratch;
}

/** Reusable byte buffers by name; what `bytes` hands out is valid until the next call with the same key. */
export interface ByteScratch {
  /** `n` bytes, 8-byte aligned, in memory kept under `key` (grown when too small). */
  bytes(key: string, n: number): Uint8Array;
}

export interface PartReader {
  /** Elements `[first, first+count)` of a plain stored tensor as float32 (integers converted exactly up to 2^24). */
  elementsF32(part: TensorEntry, first: number, count: number, opts: PartReadOptions): Promise<Float32Array>;
  /**
   * The raw little-endian bytes of elements `[first, first+count)`, chunk by chunk; each chunk is only
   * valid during the call. With `slot`, chunk k of `elements` elements is read into `slot(k, elements)`
   * (the next chunk is read while this one is consumed, so consecutive slots must differ).
   */
  rawChunks(
    part: TensorEntry,
    first: number,
    count: number,
    opts: PartReadOptions,
    consume: (bytes: Uint8Array, firstElement: number, elements: number) => void | Promise<void>,
    slot?: (k: number, elements: number) => Uint8Array,
  ): Promise<void>;
  /** The raw bytes of elements `[first, first+count)` read straight into `dest` (exactly their length). */
  bytesInto(part: TensorEntry, first: number, count: number, opts: PartReadOptions, dest: Uint8Array): Promise<void>;
}

/**
 * Decodes elements `[first, first+count)` (row-major over the entry's logical `shape`) of a
 * quantized weight to float32. Ranges of whole rows are the common case; any range must work.
 * With `into` (exactly `count` long) the values are written there and `into` is returned: a stream
 * hands every chunk the same memory, whose pages are already mapped, instead of a new array. Every
 * element of `into` is overwritten, so stale values of an earlier chunk never show through.
 */
export type QuantDecoder = (
  entry: TensorEntry,
  first: number,
  count: number,
  opts: PartReadOptions,
  read: PartReader,
  into?: Float32Array,
) => Promise<Float32Array>;

/**
 * Streams a whole quantized weight to `consume` in chunks of whole rows (about `chunkValues` values
 * each, in order; each valid only during the call), decoded where the consumer reads them. False,
 * with nothing consumed, where the scheme's fast path does not apply (no WebAssembly SIMD, a shape
 * or bit width its kernel does not take): the caller then decodes chunk by chunk.
 */
export type QuantStreamer = (
  entry: TensorEntry,
  chunkValues: number,
  opts: PartReadOptions,
  read: PartReader,
  consume: (values: Float32Array, firstElement: number) => void | Promise<void>,
) => Promise<boolean>;
