/**
 * A run of one-byte elements of a stored part (GGUF blocks, F8_E4M3 values, MXFP4 nibbles) read
 * straight into a decode arena (decodeArena.ts) and decoded there, chunk by chunk: the reader fills
 * raw slot k mod 2 (the next chunk is read while this one is decoded and consumed), a kernel writes
 * the chunk's float32 values to the arena's value region, and the consumer reads them in place.
 * Nothing is copied on the way (a batch-and-copy decode writes every value twice, which costs as
 * much as the decode itself); a whole-matrix read copies each chunk once, into its result.
 *
 * The arena is laid out `[values of one chunk][raw slot 0][raw slot 1][tables]` from its base; the
 * tables region (a scale grid, exponent bytes) is the caller's, filled by `prepare` while the
 * first chunk is read (and before it is decoded).
 */
import type { TensorEntry } from '../../model/types';
import type { PartReader, PartReadOptions } from '../quant/types';
import { acquireArena, releaseArena, type DecodeArena } from './decodeArena';

export interface ArenaStreamPlan {
  /** The stored part (one byte per element) and its elements `[first, first + count)` to read. */
  part: TensorEntry;
  first: number;
  count: number;
  /** Raw bytes per chunk: whole units of the kernel (blocks, groups), and a multiple of 8. */
  chunkBytes: number;
  /** Float32 values a chunk of `chunkBytes` decodes to at most. */
  chunkValues: number;
  /** Bytes of the tables region. */
  tableBytes: number;
}

/** Where a chunk is in the arena: its raw bytes, the value region, the tables. */
export interface ArenaChunk {
  arena: DecodeArena;
  /** Byte addresses in the arena's memory. */
  src: number;
  out: number;
  tables: number;
  /** The chunk's first element (counted from the part's start) and its raw bytes. */
  first: number;
  bytes: number;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * Streams the plan's elements through an arena: `decode` runs the kernel on each chunk and says how
 * many values it wrote at `out`, which `consume` is handed (valid only during the call). False,
 * with nothing read, where no arena is available (no WebAssembly SIMD, kernels turned off, over
 * 4 GiB): the caller decodes its own way.
 */
export async function streamThroughArena(
  plan: ArenaStreamPlan,
  opts: PartReadOptions,
  read: PartReader,
  prepare: (arena: DecodeArena, tables: number) => void | Promise<void>,
  decode: (chunk: ArenaChunk) => number,
  consume: (values: Float32Array, chunk: ArenaChunk) => void | Promise<void>,
): Promise<boolean> {
  if (plan.chunkBytes % 8 !== 0 || plan.chunkBytes <= 0) throw new Error(`arena chunks of ${plan.chunkBytes} bytes are not a positive multiple of 8`);
  const outBytes = align16(4 * plan.chunkValues);
  const slotBytes = align16(plan.chunkBytes);
  const arena = acquireArena(outBytes + 2 * slotBytes + plan.tableBytes);
  if (!arena) return false;
  try {
    const out = arena.base;
    const slots = [out + outBytes, out + outBytes + slotBytes];
    const tables = out + outBytes + 2 * slotBytes;
    // The tables are filled while the first chunk is read (both may be reads of their own).
    const prepared = Promise.resolve(prepare(arena, tables));
    if (plan.count === 0) {
      await prepared;
      return true;
    }
    const stream = read.rawChunks(
      plan.part,
      plan.first,
      plan.count,
      { signal: opts.signal, chunkBytes: plan.chunkBytes, onProgress: opts.onProgress },
      async (bytes, first) => {
        await prepared;
        const chunk: ArenaChunk = { arena, src: bytes.byteOffset, out, tables, first, bytes: bytes.byteLength };
        const n = decode(chunk);
        await consume(arena.values(out, n), chunk);
      },
      (k, n) => {
        if (n > slotBytes) throw new Error(`a chunk of ${n} bytes does not fit the arena's ${slotBytes}-byte slots`);
        return arena.bytes(slots[k & 1], n);
      },
    );
    // Both settle before the arena is given back (their reads write into it), then the first failure is thrown.
    const [streamed, filled] = await Promise.allSettled([stream, prepared]);
    if (streamed.status === 'rejected') throw streamed.reason;
    if (filled.status === 'rejected') throw filled.reason;
    return true;
  } finally {
    releaseArena(arena);
  }
}
