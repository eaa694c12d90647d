/**
 * What a quantized-storage decoder is given: the plain-tensor readers of io/tensorReader.ts, passed
 * in rather than imported so that tensorReader can dispatch to the decoders without an import cycle.
 */
import type { JobContext } from '../../jobs';
import type { TensorEntry } from '../../model/types';

export interface PartReadOptions extends JobContext {
  chunkBytes?: number;
}

export interface PartReader {
  /** Elements `[first, first+count)` of a plain stored tensor as float32 (integers converted exactly up to 2^24). */
  elementsF32(part: TensorEntry, first: number, count: number, opts: PartReadOptions): Promise<Float32Array>;
  /** The raw little-endian bytes of elements `[first, first+count)`, chunk by chunk; each chunk is only valid during the call. */
  rawChunks(
    part: TensorEntry,
    first: number,
    count: number,
    opts: PartReadOptions,
    consume: (bytes: Uint8Array, firstElement: number, elements: number) => void | Promise<void>,
  ): Promise<void>;
}

/**
 * Decodes elements `[first, first+count)` (row-major over the entry's logical `shape`) of a
 * quantized weight to float32. Ranges of whole rows are the common case; any range must work.
 */
export type QuantDecoder = (entry: TensorEntry, first: number, count: number, opts: PartReadOptions, read: PartReader) => Promise<Float32Array>;
