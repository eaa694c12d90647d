/**
 * Lazy, chunked tensor reads. A tensor is read in chunks of at most 64 MiB, double-buffered: while
 * one chunk is converted to float32 on this thread, the next is already being read by libuv's thread
 * pool, so conversion hides behind the read. Nothing ever reads a whole file. F32 is read straight
 * into the result; BF16 is read into the result's own memory and widened there, or into a caller's
 * array through a reused pair of chunk memories (bf16Wasm.ts); a
 * streamed F8_E4M3 tensor is read into a decode arena and decoded there (wasm/arenaStream.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { throwIfCancelled, type JobContext } from '../jobs';
import type { TensorEntry } from '../model/types';
import { BF16_PAIR_VALUES, bf16Destination, giveBf16Pair, takeBf16Pair } from './bf16Wasm';
import { byteLengthOf, decodeInto, DTYPE_BITS, DTYPE_BYTES, isDecodable, NotDecodableError } from './dtypes';
import { ModelFileError } from './modelFileError';
import { streamGgml } from './gguf/dequant';
import { streamThroughArena } from './wasm/arenaStream';
import { decodeQuantized, notDecodableMessage, streamQuantizedWhole } from './quant/decode';
import { byteScratch } from './quant/partBytes';
import type { PartReader } from './quant/types';
import { MAX_READ_BYTES, openRegularFile, readExactly, stampOf } from './readBytes';

export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Values per chunk of an F8_E4M3 stream decoded in an arena: 4 MiB of float32, so the arena (with its raw slots) is kept between streams. */
const ARENA_CHUNK_VALUES = 1024 * 1024;

/**
 * Below this many values the JavaScript loop is fast enough, and not creating a WebAssembly.Memory
 * (each reserves address space until garbage-collected) for every small norm or bias matters more.
 */
export const WASM_MIN_VALUES = 65536;

export interface ChunkOptions extends JobContext {
  /** Raw bytes per chunk (rounded down to whole elements, at most 64 MiB). */
  chunkBytes?: number;
}

export function elementCount(entry: TensorEntry): number {
  // A quantized weight's byte length is that of its packed parts; its elements are its logical shape.
  if (entry.quant) return entry.shape.reduce((a, b) => a * b, 1);
  return (entry.byteLength * 8) / DTYPE_BITS[entry.dtype];
}

/**
 * Whole elements per chunk, a multiple of 8 so chunk starts keep every alignment the decoders like
 * and, for the packed sub-byte types (F4, F6), fall on byte boundaries.
 */
function chunkElements(entry: TensorEntry, chunkBytes: number | undefined): number {
  const eb = DTYPE_BYTES[entry.dtype];
  const bytes = Math.min(MAX_READ_BYTES, Math.max(64, chunkBytes ?? DEFAULT_CHUNK_BYTES));
  return Math.max(8, Math.floor(bytes / eb / 8) * 8);
}

function checkRange(entry: TensorEntry, first: number, count: number): void {
  const n = elementCount(entry);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0 || first + count > n) {
    throw new Error(`elements ${first}..${first + count} are outside tensor '${entry.name}' of ${n} elements`);
  }
  if (entry.quant) return;
  if (byteLengthOf(entry.dtype, first) === null || byteLengthOf(entry.dtype, count) === null) {
    throw new Error(
      `elements ${first}..${first + count} of ${entry.dtype} tensor '${entry.name}' do not start and end on byte boundaries (${DTYPE_BITS[entry.dtype]}-bit values are packed)`,
    );
  }
}

/** Refuses, by tensor and dtype, a read of values Layer Lens cannot decode (C64, F6). */
function checkDecodable(entry: TensorEntry): void {
  if (entry.quant) {
    if (entry.quant.decodable === false) throw new Error(notDecodableMessage(entry));
    return;
  }
  if (!isDecodable(entry.dtype)) throw new NotDecodableError(entry.dtype, entry.name);
}

/**
 * The double-buffered loop every read shares, on the tensor's file opened for this read: chunk k
 * (elements `e0 … e0+m` relative to `first`) is read into `slot(k, e0, m)`, and `process` runs on
 * chunk k while chunk k+1 is being read, so two consecutive slots must not overlap.
 */
async function pipeline(
  entry: TensorEntry,
  first: number,
  count: number,
  opts: ChunkOptions,
  slot: (k: number, e0: number, m: number) => Uint8Array,
  process: (k: number, e0: number, m: number, bytes: Uint8Array) => void | Promise<void>,
): Promise<void> {
  // The file is opened afresh for every read (withFile), and the checks there run even for no elements.
  return withFile(entry, async (fh) => {
    if (count === 0) return;
    const eb = DTYPE_BYTES[entry.dtype];
    const per = Math.min(chunkElements(entry, opts.chunkBytes), count);
    const chunks = Math.ceil(count / per);
    const total = count * eb;
    const read = async (k: number): Promise<Uint8Array> => {
      const e0 = k * per;
      const target = slot(k, e0, Math.min(per, count - e0));
      await readExactly(fh, target, entry.dataStart + (first + e0) * eb, entry.file);
      return target;
    };
    let pending = read(0);
    for (let k = 0; k < chunks; k++) {
      const bytes = await pending;
      throwIfCancelled(opts.signal);
      if (k + 1 < chunks) {
        pending = read(k + 1);
        // A failed read-ahead is awaited (and thrown) next turn; this keeps it from counting as unhandled.
        pending.catch(() => undefined);
      }
      const e0 = k * per;
      await process(k, e0, bytes.byteLength / eb, bytes);
      opts.onProgress?.({ done: Math.min(total, (e0 + per) * eb), total, message: entry.name });
    }
  });
}

/**
 * Opens the tensor's file afresh for each read (never a cached descriptor), so a checkpoint replaced
 * by a folder or pipe, or cut short since its header was read, fails here with a message rather than
 * blocking or handing back a half-filled buffer; a cut during the read fails in readExactly.
 */
async function withFile<T>(entry: TensorEntry, body: (fh: FileHandle) => Promise<T>): Promise<T> {
  const { fh, size, stamp } = await openRegularFile(entry.file);
  try {
    const end = entry.dataStart + entry.byteLength;
    if (size < end) {
      throw new ModelFileError(
        `${basename(entry.file)}: the file is now ${size} bytes long but tensor '${entry.name}' ends at byte ${end}; it was truncated or rewritten since it was opened: reload the model`,
        entry.file,
      );
    }
    // Same size but new contents (a training run saving over its checkpoint) would otherwise be
    // read through the old header: wrong offsets, or right offsets of other weights.
    if (entry.fileStamp && entry.fileStamp !== stamp) throw rewritten(entry, 'since it was opened');
    const result = await body(fh);
    // A rewrite while the bytes were being read mixes old and new data: check once more after.
    if (entry.fileStamp && entry.fileStamp !== stampOf(await fh.stat({ bigint: true }))) throw rewritten(entry, 'while it was being read');
    return result;
  } finally {
    await fh.close();
  }
}

function rewritten(entry: TensorEntry, when: string): ModelFileError {
  return new ModelFileError(
    `${basename(entry.file)} was rewritten ${when} (its modification time or inode changed), so tensor '${entry.name}' cannot be read through the header of the earlier version: reload the model`,
    entry.file,
  );
}

/**
 * Calls `consume` with the raw bytes of elements `[first, first+count)`, chunk by chunk, in order.
 * The bytes are only valid during the call (the buffer is reused two chunks later). With `slot`,
 * chunk k (`m` elements) is read into `slot(k, m)` instead (exactly `m` elements' bytes; the slots
 * of two consecutive chunks must not overlap, as k+1 is read while k is consumed).
 */
export async function forEachRawChunk(
  entry: TensorEntry,
  first: number,
  count: number,
  opts: ChunkOptions,
  consume: (bytes: Uint8Array, firstElement: number, elements: number) => void | Promise<void>,
  slot?: (k: number, elements: number) => Uint8Array,
): Promise<void> {
  if (entry.quant)
    throw new Error(
      `tensor '${entry.name}' is stored as ${entry.quant.label}: it has no raw bytes of its own (its parts: ${entry.quant.parts.map((p) => p.name).join(', ')})`,
    );
  checkRange(entry, first, count);
  const eb = DTYPE_BYTES[entry.dtype];
  const per = Math.min(chunkElements(entry, opts.chunkBytes), count);
  const buffers = slot ? [] : [new Uint8Array(per * eb), new Uint8Array(count > per ? per * eb : 0)];
  await pipeline(
    entry,
    first,
    count,
    opts,
    (k, _e0, m) => {
      if (!slot) return buffers[k & 1].subarray(0, m * eb);
      const target = slot(k, m);
      if (target.byteLength !== m * eb) throw new Error(`the slot for ${m} elements of tensor '${entry.name}' holds ${target.byteLength} bytes, not ${m * eb}`);
      return target;
    },
    (_k, e0, m, bytes) => consume(bytes, first + e0, m),
  );
}

/**
 * Elements `[first, first+count)` of a tensor as float32, whatever its dtype: a new array, or with
 * `into` (at least `count` long) its first `count` elements, decoded straight there and returned.
 */
export async function readElementsF32(entry: TensorEntry, first: number, count: number, opts: ChunkOptions = {}, into?: Float32Array): Promise<Float32Array> {
  checkDecodable(entry);
  checkRange(entry, first, count);
  if (into && into.length < count) throw new Error(`a destination of ${into.length} values cannot hold ${count} values of tensor '${entry.name}'`);
  if (entry.quant) return decodeQuantized(entry, first, count, opts, PART_READER, into);
  if (entry.dtype === 'F32') {
    // Read straight into the result: no second buffer, no conversion.
    const out = into ? into.subarray(0, count) : new Float32Array(count);
    await readBytesInto(entry, first, count, opts, new Uint8Array(out.buffer, out.byteOffset, 4 * count));
    return out;
  }
  const wasm = entry.dtype === 'BF16' && count >= WASM_MIN_VALUES;
  // Into a caller's array, BF16 widens chunk by chunk in a pair of WebAssembly memories and is copied
  // out: two passes at memory speed instead of the JavaScript loop of dtypes.ts (about 1 GiB/s).
  const pair = into && wasm ? takeBf16Pair() : null;
  if (pair) {
    const out = (into as Float32Array).subarray(0, count);
    try {
      const chunkBytes = Math.min(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, 2 * BF16_PAIR_VALUES);
      await pipeline(
        entry,
        first,
        count,
        { ...opts, chunkBytes },
        (k, _e0, m) => pair[k & 1].rawSlot(0, m),
        (k, e0, m) => {
          pair[k & 1].expand(0, m);
          out.set(pair[k & 1].out.subarray(0, m), e0);
        },
      );
    } finally {
      giveBf16Pair(pair);
    }
    return out;
  }
  // Large BF16 reads widen in a memory of their own (bf16Wasm.ts).
  const dest = !into && wasm ? bf16Destination(count) : null;
  if (dest) {
    await pipeline(
      entry,
      first,
      count,
      opts,
      (_k, e0, m) => dest.rawSlot(e0, m),
      (_k, e0, m) => dest.expand(e0, m),
    );
    return dest.out;
  }
  const out = into ? into.subarray(0, count) : new Float32Array(count);
  await forEachRawChunk(entry, first, count, opts, (bytes, firstElement) => decodeInto(entry.dtype, bytes, out, firstElement - first));
  return out;
}

/** The whole tensor as float32. */
export function readAllF32(entry: TensorEntry, opts: ChunkOptions = {}): Promise<Float32Array> {
  return readElementsF32(entry, 0, elementCount(entry), opts);
}

/**
 * Streams a tensor as float32 chunks of bounded size, for reductions over tensors of any size
 * (statistics, histograms). `values` is only valid during the call: its memory is reused.
 */
export async function streamF32(
  entry: TensorEntry,
  opts: ChunkOptions,
  consume: (values: Float32Array, firstElement: number) => void | Promise<void>,
): Promise<void> {
  checkDecodable(entry);
  const count = elementCount(entry);
  checkRange(entry, 0, count);
  if (entry.quant) return streamQuantized(entry, count, opts, consume);
  const per = Math.min(chunkElements(entry, opts.chunkBytes), count);
  if (entry.dtype === 'F32') {
    const buffers = [new Float32Array(per), new Float32Array(count > per ? per : 0)];
    await pipeline(
      entry,
      0,
      count,
      opts,
      (k, _e0, m) => new Uint8Array(buffers[k & 1].buffer, 0, 4 * m),
      (k, e0, m) => consume(buffers[k & 1].subarray(0, m), e0),
    );
    return;
  }
  if (entry.dtype === 'F8_E4M3' && count >= WASM_MIN_VALUES) {
    // Read straight into a decode arena and decoded there (wasm/arenaStream.ts), in chunks of at
    // most 1 Mi values so the arena is kept for the next stream.
    const raw = Math.min(per, ARENA_CHUNK_VALUES);
    const plan = { part: entry, first: 0, count, chunkBytes: raw, chunkValues: raw, tableBytes: 0 };
    const streamed = await streamThroughArena(
      plan,
      opts,
      PART_READER,
      () => undefined,
      ({ arena, src, out, bytes }) => {
        arena.kernels.e4m3(out, src, bytes);
        return bytes;
      },
      (values, chunk) => consume(values, chunk.first),
    );
    if (streamed) return;
  }
  const a = entry.dtype === 'BF16' && per >= WASM_MIN_VALUES ? bf16Destination(per) : null;
  const b = a && count > per ? bf16Destination(per) : a;
  if (a && b) {
    const dests = [a, b];
    await pipeline(
      entry,
      0,
      count,
      opts,
      (k, _e0, m) => dests[k & 1].rawSlot(0, m),
      (k, e0, m) => {
        dests[k & 1].expand(0, m);
        return consume(dests[k & 1].out.subarray(0, m), e0);
      },
    );
    return;
  }
  let scratch: Float32Array | null = null;
  await forEachRawChunk(entry, 0, count, opts, async (bytes, firstElement, m) => {
    if (!scratch || scratch.length < m) scratch = new Float32Array(m);
    const values = scratch.subarray(0, m);
    decodeInto(entry.dtype, bytes, values, 0);
    await consume(values, firstElement);
  });
}

/**
 * The raw bytes of elements `[first, first+count)` read straight into `dest` (exactly their length),
 * chunk by chunk into its own memory: no second buffer, no copy.
 */
export async function readBytesInto(entry: TensorEntry, first: number, count: number, opts: ChunkOptions, dest: Uint8Array): Promise<void> {
  if (entry.quant) throw new Error(`tensor '${entry.name}' is stored as ${entry.quant.label}: it has no raw bytes of its own`);
  checkRange(entry, first, count);
  const eb = DTYPE_BYTES[entry.dtype];
  if (dest.byteLength !== count * eb) throw new Error(`${count} elements of tensor '${entry.name}' are ${count * eb} bytes, not ${dest.byteLength}`);
  await pipeline(
    entry,
    first,
    count,
    opts,
    (_k, e0, m) => dest.subarray(e0 * eb, (e0 + m) * eb),
    () => undefined,
  );
}

/** The plain readers a quantized weight's decoder reads its parts with. */
export const PART_READER: PartReader = { elementsF32: readElementsF32, rawChunks: forEachRawChunk, bytesInto: readBytesInto };

/**
 * A quantized weight streamed in chunks into memory every chunk reuses: GGUF blocks chunk by chunk
 * as they are read (the next chunk's bytes read while this one is decoded and consumed), GPTQ and
 * AWQ 4-bit weights by their WASM kernels where their packed words are read (quant/decode.ts
 * streamQuantizedWhole), other schemes in chunks of whole rows of about `chunkBytes` of float32 each, with the raw bytes of their
 * row ranges read into buffers the chunks reuse too.
 */
async function streamQuantized(
  entry: TensorEntry,
  count: number,
  opts: ChunkOptions,
  consume: (values: Float32Array, firstElement: number) => void | Promise<void>,
): Promise<void> {
  const values = Math.max(1, Math.floor(Math.min(MAX_READ_BYTES, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) / 4));
  if (entry.quant!.scheme === 'ggml') return streamGgml(entry, values, opts, PART_READER, consume);
  if (await streamQuantizedWhole(entry, values, opts, PART_READER, consume)) return;
  const width = entry.shape.length ? entry.shape[entry.shape.length - 1] : 1;
  const rowsPer = Math.max(1, Math.floor(values / Math.max(1, width)));
  const per = Math.min(count, rowsPer * Math.max(1, width));
  const into = new Float32Array(per);
  const scratch = byteScratch();
  for (let e0 = 0; e0 < count; e0 += per) {
    throwIfCancelled(opts.signal);
    const m = Math.min(per, count - e0);
    const chunk = await decodeQuantized(entry, e0, m, { signal: opts.signal, chunkBytes: opts.chunkBytes, scratch }, PART_READER, into);
    await consume(chunk, e0);
    opts.onProgress?.({ done: Math.round(((e0 + m) / count) * entry.byteLength), total: entry.byteLength, message: entry.name });
  }
}
