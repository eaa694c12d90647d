/**
 * Fine-grained FP8 weights decoded in one pass: F8_E4M3 bytes to float32, each multiplied by its
 * block's inverse scale, `stored[i, j] · scale_inv[i / bm, j / bn]` (transformers
 * `integrations/finegrained_fp8.py`, `Fp8Dequantize`; DeepSeek-V3 and Qwen3-FP8 use 128×128 blocks).
 * The WASM SIMD kernel (wasm/fp8.as.ts) writes each float32 once, in a decode arena the file is read
 * straight into; without WebAssembly SIMD, or for F8_E5M2, the table decode followed by the same
 * float32 multiplication gives the same values.
 */
import type { TensorEntry } from '../model/types';
import { decodeInto } from './dtypes';
import { streamThroughArena } from './wasm/arenaStream';
import { DEFAULT_CHUNK_BYTES, forEachRawChunk, PART_READER, type ChunkOptions } from './tensorReader';
import { BATCH_VALUES, decodeWasm, SCALE_VALUES } from './wasm/decodeKernelsWasm';

export interface BlockScaleGrid {
  /** The inverse scales, `[ceil(rows / bm), ceil(cols / bn)]` row-major, as float32. */
  scales: Float32Array;
  /** Columns of the matrix (its row length) and of the scale grid. */
  cols: number;
  gridCols: number;
  /** Block shape `[bm, bn]`. */
  block: readonly [number, number];
}

/** Refuses a grid that is not whole positive sizes or has no block for some element of `first … first+n`. */
function checkGrid(grid: BlockScaleGrid, first: number, n: number): void {
  const { scales, cols, gridCols: sc } = grid;
  const [bm, bn] = grid.block;
  if (![bm, bn, cols, sc].every((v) => Number.isInteger(v) && v >= 1))
    throw new Error(`a ${bm}×${bn} block scale grid of ${sc} columns cannot scale a matrix ${cols} columns wide: every size must be a positive integer`);
  if (n === 0) return;
  const lastRow = Math.floor((first + n - 1) / cols);
  if (sc < Math.ceil(cols / bn) || scales.length < (Math.floor(lastRow / bm) + 1) * sc)
    throw new Error(
      `a scale grid of ${scales.length} values, ${sc} per block row, has no ${bm}×${bn} block for row ${lastRow} of a matrix ${cols} columns wide`,
    );
}

/**
 * Decodes the E4M3 bytes `src` of matrix elements `first … first+src.length` (row-major, counted
 * from the matrix's first element) into `out` from `at`, each times its block's scale.
 */
export function decodeE4M3BlockScaled(src: Uint8Array, first: number, grid: BlockScaleGrid, out: Float32Array, at: number): void {
  const { scales, cols, gridCols: sc } = grid;
  const [bm, bn] = grid.block;
  const n = src.length;
  checkGrid(grid, first, n);
  if (n === 0) return;
  const w = decodeWasm();
  if (!w) {
    decodeInto('F8_E4M3', src, out, at);
    scaleInPlace(out, at, first, n, grid);
    return;
  }
  let k = 0;
  while (k < n) {
    const batchStart = k;
    let filled = 0;
    let scalesFilled = 0;
    // Fill one batch with row stretches, each with its own run of scales.
    while (k < n && filled < BATCH_VALUES) {
      const e = first + k;
      const r = Math.floor(e / cols);
      const c = e - r * cols;
      const cb0 = Math.floor(c / bn);
      let len = Math.min(cols - c, n - k, BATCH_VALUES - filled);
      let nScales = Math.floor((c + len - 1) / bn) - cb0 + 1;
      if (scalesFilled + nScales > SCALE_VALUES) {
        if (filled > 0) break;
        len = (cb0 + SCALE_VALUES) * bn - c; // only for blocks narrower than 2 columns
        nScales = SCALE_VALUES;
      }
      const s0 = Math.floor(r / bm) * sc + cb0;
      w.raw.set(src.subarray(k, k + len), filled);
      w.scales.set(scales.subarray(s0, s0 + nScales), scalesFilled);
      w.kernels.e4m3Scaled(w.outPtr + 4 * filled, w.rawPtr + filled, len, w.scalesPtr + 4 * scalesFilled, bn, c - cb0 * bn);
      filled += len;
      scalesFilled += nScales;
      k += len;
    }
    out.set(w.out.subarray(0, filled), at + batchStart);
  }
}

/** `out[at …]` (matrix elements `first …`) times their blocks' scales: one float32 multiplication each. */
function scaleInPlace(out: Float32Array, at: number, first: number, n: number, grid: BlockScaleGrid): void {
  const { scales, cols, gridCols: sc } = grid;
  const [bm, bn] = grid.block;
  for (let k = 0; k < n;) {
    const e = first + k;
    const r = Math.floor(e / cols);
    const c = e - r * cols;
    const end = Math.min(n, k + (cols - c));
    const srow = Math.floor(r / bm) * sc;
    for (let j = c; k < end; j++, k++) out[at + k] *= scales[srow + Math.floor(j / bn)];
  }
}

/**
 * Raw bytes per streamed chunk: `chunkBytes` counts the chunk's float32 values (four bytes per
 * stored byte), in whole 8-byte steps and at least the reader's 64-byte minimum.
 */
function rawChunkBytes(opts: ChunkOptions): number {
  return Math.max(64, Math.floor((opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) / 32) * 8);
}

/**
 * Elements `[first, first+count)` of an F8_E4M3 matrix (or one expert's slice: `first` counts from
 * the tensor's start, `matrixStart` is where the matrix begins) as float32, block-scaled, streamed
 * chunk by chunk in order to `consume` (the values are only valid during the call). The bytes are
 * read straight into a decode arena and decoded there by the WASM kernel (wasm/arenaStream.ts);
 * without WebAssembly SIMD, into one array every chunk reuses.
 */
export async function streamE4M3BlockScaled(
  entry: TensorEntry,
  matrixStart: number,
  first: number,
  count: number,
  grid: BlockScaleGrid,
  opts: ChunkOptions,
  consume: (values: Float32Array, firstElement: number) => void | Promise<void>,
): Promise<void> {
  if (entry.dtype !== 'F8_E4M3') throw new Error(`tensor '${entry.name}' is ${entry.dtype}, not F8_E4M3`);
  if (first < matrixStart) throw new Error(`element ${first} of tensor '${entry.name}' lies before its matrix, which starts at element ${matrixStart}`);
  checkGrid(grid, first - matrixStart, count);
  const raw = rawChunkBytes(opts);
  const { scales, cols, gridCols } = grid;
  const [bm, bn] = grid.block;
  const streamed = await streamThroughArena(
    { part: entry, first, count, chunkBytes: raw, chunkValues: raw, tableBytes: 4 * scales.length },
    opts,
    PART_READER,
    (arena, tables) => arena.values(tables, scales.length).set(scales),
    ({ arena, src, out, tables, first: e, bytes }) => {
      const m = e - matrixStart;
      const r = Math.floor(m / cols);
      arena.kernels.e4m3BlockRows(out, src, bytes, r, m - r * cols, cols, tables, gridCols, bm, bn);
      return bytes;
    },
    (values, chunk) => consume(values, chunk.first),
  );
  if (streamed) return;
  let scratch: Float32Array | null = null;
  await forEachRawChunk(entry, first, count, { ...opts, chunkBytes: raw }, async (bytes, firstElement) => {
    if (!scratch || scratch.length < bytes.length) scratch = new Float32Array(bytes.length);
    const values = scratch.subarray(0, bytes.length);
    decodeE4M3BlockScaled(bytes, firstElement - matrixStart, grid, values, 0);
    await consume(values, firstElement);
  });
}

/**
 * Elements `[first, first+count)` of an F8_E4M3 matrix (or one expert's slice, as
 * streamE4M3BlockScaled) as float32, block-scaled: a new array, or with `into` (at least `count`
 * long) its first `count` elements. Each chunk's values are copied once, from the arena to the result.
 */
export async function readE4M3BlockScaled(
  entry: TensorEntry,
  matrixStart: number,
  first: number,
  count: number,
  grid: BlockScaleGrid,
  opts: ChunkOptions = {},
  into?: Float32Array,
): Promise<Float32Array> {
  if (into && into.length < count) throw new Error(`a destination of ${into.length} values cannot hold ${count} values of tensor '${entry.name}'`);
  const out = into ? into.subarray(0, count) : new Float32Array(count);
  await streamE4M3BlockScaled(entry, matrixStart, first, count, grid, opts, (values, firstElement) => out.set(values, firstElement - first));
  return out;
}
