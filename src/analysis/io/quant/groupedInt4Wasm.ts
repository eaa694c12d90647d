/**
 * GPTQ and AWQ 4-bit weights through the WASM SIMD kernels (../wasm/groupedInt4.as.ts): bit for bit
 * the values of the lookup-table decoders in gptqDecode.ts / awqDecode.ts, which remain the fallback
 * without WebAssembly SIMD and for the shapes the kernels do not take.
 *
 * The kernels run in a decode arena (../wasm/decodeArena.ts) laid out as
 * `[values of a batch of rows][packed words of a strip of rows][scales][zero points][g_idx]`:
 * a strip of at most STRIP_BYTES of packed words (the rows' columns of qweight) is copied in with
 * its `[rows, groups]` float32 scale and zero-point tables, the kernel decodes a batch of rows at a
 * time (a batch stays in the L2 cache) and the batch is copied to its place in the result.
 *
 * A weight streamed whole (streamF32: statistics, histograms) has its packed words read straight
 * into an arena instead, all of them (every output row needs every packed word row), with the
 * tables of every row; the kernel then decodes chunk after chunk of rows where the consumer reads
 * them, nothing copied.
 */
import { throwIfCancelled } from '../../jobs';
import type { TensorEntry } from '../../model/types';
import { DTYPE_BYTES } from '../dtypes';
import { acquireArena, releaseArena, type DecodeArena } from '../wasm/decodeArena';
import type { PartReader, PartReadOptions } from './types';

/** Packed words per strip: 2 MiB. */
const STRIP_BYTES = 2 * 1024 * 1024;
/** Decoded values per batch: 256 KiB of float32. */
const BATCH_VALUES = 65536;

/**
 * The kernels' rounding mode for the scales' dtype (what groupedInt.ts rounderFor picks): 0 float32,
 * 1 float16, 2 bfloat16, or 3 / 4 for float16 / bfloat16 when the tables' scales keep every product
 * (|q − z| ≤ 16) zero or in the dtype's normal range, so the kernel can skip the subnormal,
 * overflow and NaN cases.
 */
function modeOf(scaleDtype: string, s: Float32Array): number {
  if (scaleDtype !== 'F16' && scaleDtype !== 'BF16') return 0;
  const [lo, hi] = scaleDtype === 'F16' ? [2 ** -14, 2 ** 12] : [2 ** -126, 2 ** 123];
  for (let i = 0; i < s.length; i++) {
    const a = Math.abs(s[i]);
    if (a !== 0 && !(a >= lo && a < hi)) return scaleDtype === 'F16' ? 1 : 2;
  }
  return scaleDtype === 'F16' ? 3 : 4;
}

/** What both decoders pass: the per-(group, row) zero point and scale, as buildLut takes them. */
export interface GroupTables {
  groups: number;
  zero: (g: number, r: number) => number;
  scale: (g: number, r: number) => number;
  scaleDtype: string;
  /**
   * Optionally, the scales and zero points of group `g` for every row, written to `s` and `z` from
   * `at` (the values `scale(g, r)` and `zero(g, r)` for r = 0, 1, …): a table filled row by row
   * instead of value by value.
   */
  groupRow?: (g: number, s: Float32Array, z: Float32Array, at: number) => void;
}

/**
 * Writes float32 tables of rows `r0 … r1`, row-major `[rows, groups]`, or with `groupStride`
 * `[groups, groupStride]` (each group's row padded with zeros past the rows; `whole` when the rows
 * are all the weight's, so that the tables' groupRow may fill them).
 */
function fillTables(t: GroupTables, r0: number, r1: number, s: Float32Array, z: Float32Array, groupStride?: number, whole = false): void {
  if (groupStride !== undefined) {
    s.fill(0);
    z.fill(0);
    // Group by group: each table row is written in order, whole where the tables can (all rows).
    if (t.groupRow && whole) {
      for (let g = 0; g < t.groups; g++) t.groupRow(g, s, z, g * groupStride);
      return;
    }
    for (let g = 0; g < t.groups; g++)
      for (let r = r0, at = g * groupStride; r < r1; r++, at++) {
        s[at] = t.scale(g, r);
        z[at] = t.zero(g, r);
      }
    return;
  }
  for (let r = r0; r < r1; r++)
    for (let g = 0, at = (r - r0) * t.groups; g < t.groups; g++, at++) {
      s[at] = t.scale(g, r);
      z[at] = t.zero(g, r);
    }
}

/**
 * GPTQ rows `[o0, o1)` of qweight `qw` (`[n / 8, out]` words) into `res` (row-major, `n` a row),
 * `gidx` the group of each input. False (nothing written) where the kernels are unavailable or the
 * shape is not theirs (whole words of inputs, rows in fours).
 */
export function gptq4Wasm(qw: Int32Array, out: number, n: number, o0: number, o1: number, gidx: Int32Array, t: GroupTables, res: Float32Array): boolean {
  const words = n / 8;
  if (!Number.isInteger(words) || (o1 - o0) % 4 !== 0) return false;
  // Strips and batches of whole fours of rows: the kernel decodes four rows at a time.
  const stripRows = 4 * Math.max(1, Math.min((o1 - o0) / 4, Math.floor(STRIP_BYTES / (16 * words))));
  const batchRows = 4 * Math.max(1, Math.min(stripRows / 4, Math.floor(BATCH_VALUES / (4 * n))));
  const outBytes = 4 * batchRows * n;
  const stripBytes = 4 * words * stripRows;
  const tableBytes = 4 * stripRows * t.groups;
  const arena = acquireArena(outBytes + stripBytes + 2 * tableBytes + 4 * n);
  if (!arena) return false;
  try {
    const outPtr = arena.base;
    const stripPtr = outPtr + outBytes;
    const sPtr = stripPtr + stripBytes;
    const zPtr = sPtr + tableBytes;
    const gPtr = zPtr + tableBytes;
    new Int32Array(arena.bytes(gPtr, 4 * n).buffer, gPtr, n).set(gidx);
    const strip = new Int32Array(arena.bytes(stripPtr, stripBytes).buffer, stripPtr, words * stripRows);
    for (let s0 = o0; s0 < o1; s0 += stripRows) {
      const s1 = Math.min(o1, s0 + stripRows);
      const rows = s1 - s0;
      for (let k = 0; k < words; k++) strip.set(qw.subarray(k * out + s0, k * out + s1), k * rows);
      const s = arena.values(sPtr, rows * t.groups);
      fillTables(t, s0, s1, s, arena.values(zPtr, rows * t.groups), rows);
      const mode = modeOf(t.scaleDtype, s);
      for (let b0 = 0; b0 < rows; b0 += batchRows) {
        const b1 = Math.min(rows, b0 + batchRows);
        arena.kernels.gptq4(outPtr, stripPtr, rows, b0, b1, n, sPtr, zPtr, rows, gPtr, mode);
        res.set(arena.values(outPtr, (b1 - b0) * n), (s0 - o0 + b0) * n);
      }
    }
  } finally {
    releaseArena(arena);
  }
  return true;
}

/**
 * AWQ rows `[o0, o1)` (multiples of 8) of qweight `qw` (`[n, out / 8]` words) into `res` (row-major,
 * `n` a row), group `i / groupSize`. False (nothing written) where the kernels are unavailable or
 * the shape is not theirs (`n` and `groupSize` multiples of 4).
 */
export function awq4Wasm(qw: Int32Array, out: number, n: number, o0: number, o1: number, groupSize: number, t: GroupTables, res: Float32Array): boolean {
  if (n % 4 !== 0 || groupSize % 4 !== 0 || o0 % 8 !== 0 || (o1 - o0) % 8 !== 0) return false;
  const words = out / 8;
  const stripCols = Math.max(1, Math.min((o1 - o0) / 8, Math.floor(STRIP_BYTES / (4 * n))));
  const batchCols = Math.max(1, Math.min(stripCols, Math.floor(BATCH_VALUES / (8 * n))));
  const outBytes = 4 * 8 * batchCols * n;
  const stripBytes = 4 * n * stripCols;
  const tableBytes = 4 * 8 * stripCols * t.groups;
  const arena = acquireArena(outBytes + stripBytes + 2 * tableBytes);
  if (!arena) return false;
  try {
    const outPtr = arena.base;
    const stripPtr = outPtr + outBytes;
    const sPtr = stripPtr + stripBytes;
    const zPtr = sPtr + tableBytes;
    const strip = new Int32Array(arena.bytes(stripPtr, stripBytes).buffer, stripPtr, n * stripCols);
    for (let c0 = o0 / 8; c0 < o1 / 8; c0 += stripCols) {
      const c1 = Math.min(o1 / 8, c0 + stripCols);
      const cols = c1 - c0;
      // Element by element: a subarray per input would cost more than the copy.
      for (let i = 0, to = 0; i < n; i++) for (let from = i * words + c0, end = from + cols; from < end;) strip[to++] = qw[from++];
      const s = arena.values(sPtr, 8 * cols * t.groups);
      fillTables(t, 8 * c0, 8 * c1, s, arena.values(zPtr, 8 * cols * t.groups));
      const mode = modeOf(t.scaleDtype, s);
      for (let b0 = 0; b0 < cols; b0 += batchCols) {
        const b1 = Math.min(cols, b0 + batchCols);
        arena.kernels.awq4(outPtr, stripPtr, cols, b0, b1, n, sPtr, zPtr, t.groups, groupSize, mode);
        res.set(arena.values(outPtr, 8 * (b1 - b0) * n), (8 * (c0 + b0) - o0) * n);
      }
    }
  } finally {
    releaseArena(arena);
  }
  return true;
}

/** Largest packed weight a stream reads into an arena: larger ones are decoded in strips, as reads are. */
const STREAM_MAX_PACKED_BYTES = 512 * 1024 * 1024;

/** The whole weight as one stream: its entry (name, progress), packed part, and the consumer of each chunk of rows. */
export interface PackedStream {
  entry: TensorEntry;
  qwPart: TensorEntry;
  read: PartReader;
  opts: PartReadOptions;
  /** Float32 values a chunk holds at most (whole rows, at least one step of the kernel). */
  chunkValues: number;
  consume: (values: Float32Array, firstElement: number) => void | Promise<void>;
}

/**
 * Reads the packed part into an arena laid out `[values of a chunk][packed words][extraBytes]` while
 * `prepare` reads what the tables are made of, then runs `run` with those addresses and that (it
 * fills its tables and streams every row). False where the kernels are unavailable or the packed
 * part is too large for one arena; then `prepare` is not called.
 */
async function streamPacked<T>(
  s: PackedStream,
  outBytes: number,
  extraBytes: number,
  prepare: () => Promise<T>,
  run: (arena: DecodeArena, outPtr: number, qwPtr: number, extraPtr: number, prepared: T) => Promise<void>,
): Promise<boolean> {
  const qwBytes = s.qwPart.byteLength;
  if (qwBytes > STREAM_MAX_PACKED_BYTES) return false;
  const qwAt = Math.ceil(outBytes / 16) * 16;
  const extraAt = qwAt + Math.ceil(qwBytes / 16) * 16;
  const arena = acquireArena(extraAt + extraBytes);
  if (!arena) return false;
  try {
    const qwPtr = arena.base + qwAt;
    const words = s.read.bytesInto(s.qwPart, 0, qwBytes / DTYPE_BYTES[s.qwPart.dtype], { signal: s.opts.signal }, arena.bytes(qwPtr, qwBytes));
    // Both settle before anything else (the read writes into the arena), then the first failure is thrown.
    const [read, prepared] = await Promise.allSettled([words, prepare()]);
    if (read.status === 'rejected') throw read.reason;
    if (prepared.status === 'rejected') throw prepared.reason;
    await run(arena, arena.base, qwPtr, arena.base + extraAt, prepared.value);
  } finally {
    releaseArena(arena);
  }
  return true;
}

/** Hands chunk values to the consumer, then checks for cancellation and reports progress by rows. */
async function handOver(s: PackedStream, values: Float32Array, firstRow: number, endRow: number, rows: number, n: number): Promise<void> {
  await s.consume(values, firstRow * n);
  throwIfCancelled(s.opts.signal);
  s.opts.onProgress?.({ done: Math.round((endRow / rows) * s.entry.byteLength), total: s.entry.byteLength, message: s.entry.name });
}

/**
 * A GPTQ 4-bit weight `[out, n]` streamed whole (see the header). False (nothing consumed) where
 * the kernels are unavailable, the shape is not theirs, or the packed words are too large.
 */
export async function streamGptq4(
  s: PackedStream,
  out: number,
  n: number,
  groups: number,
  tables: () => Promise<{ gidx: Int32Array; tables: GroupTables }>,
): Promise<boolean> {
  const words = n / 8;
  if (!Number.isInteger(words) || out % 4 !== 0 || s.qwPart.byteLength !== 4 * words * out) return false;
  const rowsPer = Math.min(out, 4 * Math.max(1, Math.floor(s.chunkValues / (4 * n))));
  // Tables `[groups, out + 16]`: rows padded by 64 bytes, so that a group's row does not lie a power
  // of two (4·out bytes) from the next, which would put all of them in one set of the L1 cache.
  const tableStride = out + 16;
  const tableBytes = 4 * tableStride * groups;
  return streamPacked(s, 4 * rowsPer * n, 2 * tableBytes + 4 * n, tables, async (arena, outPtr, qwPtr, sPtr, { gidx, tables: t }) => {
    const zPtr = sPtr + tableBytes;
    const gPtr = zPtr + tableBytes;
    new Int32Array(arena.bytes(gPtr, 4 * n).buffer, gPtr, n).set(gidx);
    const sc = arena.values(sPtr, tableStride * t.groups);
    fillTables(t, 0, out, sc, arena.values(zPtr, tableStride * t.groups), tableStride, true);
    const mode = modeOf(t.scaleDtype, sc);
    for (let r0 = 0; r0 < out; r0 += rowsPer) {
      const r1 = Math.min(out, r0 + rowsPer);
      arena.kernels.gptq4(outPtr, qwPtr, out, r0, r1, n, sPtr, zPtr, tableStride, gPtr, mode);
      await handOver(s, arena.values(outPtr, (r1 - r0) * n), r0, r1, out, n);
    }
  });
}

/**
 * An AWQ 4-bit weight `[out, n]` streamed whole (see the header), `groupSize` inputs a group.
 * False (nothing consumed) where the kernels are unavailable, the shape is not theirs, or the
 * packed words are too large.
 */
export async function streamAwq4(
  s: PackedStream,
  out: number,
  n: number,
  groupSize: number,
  groups: number,
  tables: () => Promise<GroupTables>,
): Promise<boolean> {
  const words = out / 8;
  if (n % 4 !== 0 || groupSize % 4 !== 0 || !Number.isInteger(words) || s.qwPart.byteLength !== 4 * words * n) return false;
  const colsPer = Math.min(words, Math.max(1, Math.floor(s.chunkValues / (8 * n))));
  const tableBytes = 4 * out * groups;
  return streamPacked(s, 4 * 8 * colsPer * n, 2 * tableBytes, tables, async (arena, outPtr, qwPtr, sPtr, t) => {
    const zPtr = sPtr + tableBytes;
    const sc = arena.values(sPtr, out * t.groups);
    fillTables(t, 0, out, sc, arena.values(zPtr, out * t.groups));
    const mode = modeOf(t.scaleDtype, sc);
    for (let c0 = 0; c0 < words; c0 += colsPer) {
      const c1 = Math.min(words, c0 + colsPer);
      arena.kernels.awq4(outPtr, qwPtr, words, c0, c1, n, sPtr, zPtr, t.groups, groupSize, mode);
      await handOver(s, arena.values(outPtr, 8 * (c1 - c0) * n), 8 * c0, 8 * c1, out, n);
    }
  });
}
