/**
 * Decoding of GGUF block-quantized tensors for the quantized-storage hook (io/quant/decode.ts,
 * scheme `ggml`): a TensorEntry whose `quant.parts[0]` is the tensor's raw blocks (U8) and
 * `quant.params.type` its ggml type id. Blocks run along rows (`ne[0]` is a multiple of the block
 * size), so element e of the row-major tensor is value `e mod B` of block `floor(e / B)`.
 */
import type { TensorEntry } from '../../model/types';
import type { PartReader, PartReadOptions, QuantDecoder } from '../quant/types';
import { dequantIQ4_NL, dequantMXFP4, dequantQ4_0, dequantQ4_1, dequantQ5_0, dequantQ5_1, dequantQ8_0 } from './dequantLegacy';
import { dequantIQ4_XS, dequantQ2_K, dequantQ3_K, dequantQ4_K, dequantQ5_K, dequantQ6_K, dequantQ8_K } from './dequantK';
import { dequantIQ2_S, dequantIQ2_XS, dequantIQ2_XXS, dequantIQ3_S, dequantIQ3_XXS } from './dequantIQ';
import { dequantIQ1_M, dequantIQ1_S } from './dequantIQ1';
import type { BlockDecoder } from './dequantTables';
import { dequantTQ1_0, dequantTQ2_0 } from './dequantTernary';
import { ggmlType } from './ggmlTypes';
import { blockKernelOf, wasmBlockDecoder } from './ggmlBlocksWasm';
import { streamThroughArena } from '../wasm/arenaStream';
import type { BlockKernel } from '../wasm/decodeKernelsWasm';
import type { Progress } from '../../jobs';

/** Block decoders by ggml type name. */
export const BLOCK_DECODERS: Readonly<Record<string, BlockDecoder>> = {
  Q4_0: dequantQ4_0,
  Q4_1: dequantQ4_1,
  Q5_0: dequantQ5_0,
  Q5_1: dequantQ5_1,
  Q8_0: dequantQ8_0,
  IQ4_NL: dequantIQ4_NL,
  MXFP4: dequantMXFP4,
  Q2_K: dequantQ2_K,
  Q3_K: dequantQ3_K,
  Q4_K: dequantQ4_K,
  Q5_K: dequantQ5_K,
  Q6_K: dequantQ6_K,
  Q8_K: dequantQ8_K,
  IQ4_XS: dequantIQ4_XS,
  IQ2_XXS: dequantIQ2_XXS,
  IQ2_XS: dequantIQ2_XS,
  IQ2_S: dequantIQ2_S,
  IQ3_XXS: dequantIQ3_XXS,
  IQ3_S: dequantIQ3_S,
  IQ1_S: dequantIQ1_S,
  IQ1_M: dequantIQ1_M,
  TQ1_0: dequantTQ1_0,
  TQ2_0: dequantTQ2_0,
};

/** Raw bytes per read, about `wanted` (default 4 MiB) and a whole number of blocks (and of the reader's 8-byte steps). */
function chunkBytes(typeSize: number, wanted: number | undefined): number {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const unit = (typeSize * 8) / gcd(typeSize, 8);
  return Math.max(1, Math.floor((wanted ?? 4 << 20) / unit)) * unit;
}

interface GgmlLayout {
  /** The ggml type's name (Q4_K, …). */
  name: string;
  decode: BlockDecoder;
  /** Values and bytes per block. */
  B: number;
  S: number;
  part: TensorEntry;
}

function layoutOf(entry: TensorEntry): GgmlLayout {
  const typeId = entry.quant?.params.type;
  const type = typeof typeId === 'number' ? ggmlType(typeId) : undefined;
  // The WASM SIMD kernel where the type has one (same values, bit for bit), else the JavaScript decoder.
  const decode = type ? (wasmBlockDecoder(type.name, type.blockSize, type.typeSize) ?? BLOCK_DECODERS[type.name]) : undefined;
  const part = entry.quant?.parts[0];
  if (!type || !decode || !part) throw new Error(`tensor '${entry.name}' is stored as ggml type ${String(typeId)}, which Layer Lens cannot decode`);
  return { name: type.name, decode, B: type.blockSize, S: type.typeSize, part };
}

/**
 * Reads blocks `[b0, b1)` chunk by chunk (double-buffered by the reader: the next chunk is read while
 * `run` handles this one) and calls `run` with each run of whole blocks, in order: `n` blocks from
 * block `block`, their bytes from `bytes[off]`.
 */
async function forEachBlockRun(
  layout: GgmlLayout,
  b0: number,
  b1: number,
  opts: PartReadOptions,
  read: PartReader,
  run: (bytes: Uint8Array, off: number, block: number, n: number) => void | Promise<void>,
): Promise<void> {
  const { S, part } = layout;
  let carry = new Uint8Array(0);
  let next = b0;
  await read.rawChunks(part, b0 * S, (b1 - b0) * S, { ...opts, chunkBytes: chunkBytes(S, opts.chunkBytes) }, async (bytes) => {
    let off = 0;
    if (carry.length) {
      // A block split across chunks (chunk sizes are whole blocks, so only if the reader changes them).
      const need = S - carry.length;
      const joined = new Uint8Array(carry.length + Math.min(need, bytes.length));
      joined.set(carry);
      joined.set(bytes.subarray(0, need), carry.length);
      if (joined.length < S) {
        carry = joined;
        return;
      }
      await run(joined, 0, next++, 1);
      off = need;
    }
    const n = Math.floor((bytes.length - off) / S);
    const at = next;
    next += n;
    carry = bytes.slice(off + n * S);
    if (n > 0) await run(bytes, off, at, n);
  });
}

/** Elements `[first, first+count)` of a GGUF block-quantized tensor as float32 (into `into` when given). */
export const decodeGgml: QuantDecoder = async (entry, first, count, opts, read, into) => {
  const layout = layoutOf(entry);
  const { decode, B, S } = layout;
  const out = into ?? new Float32Array(count);
  if (count === 0) return out;
  const b0 = Math.floor(first / B);
  const b1 = Math.ceil((first + count) / B);
  const scratch = new Float32Array(B);
  // A block that straddles the range's edges (a read that is not whole rows) is decoded to scratch.
  await forEachBlockRun(layout, b0, b1, opts, read, (bytes, off, block, n) => {
    const start = block * B;
    let k = 0;
    if (start < first) {
      decode(bytes, off, 1, scratch, 0);
      const take = Math.min(B - (first - start), count);
      out.set(scratch.subarray(first - start, first - start + take), 0);
      k = 1;
    }
    let whole = n - k;
    const lastEnd = (block + n) * B;
    const cutLast = lastEnd > first + count && whole > 0;
    if (cutLast) whole--;
    if (whole > 0) decode(bytes, off + k * S, whole, out, (block + k) * B - first);
    if (cutLast) {
      const lb = block + n - 1;
      decode(bytes, off + (n - 1) * S, 1, scratch, 0);
      out.set(scratch.subarray(0, first + count - lb * B), lb * B - first);
    }
  });
  return out;
};

/**
 * The whole tensor, streamed in chunks of about `chunkValues` values (whole blocks) that `consume`
 * must not keep. Types with a WASM kernel decode in a stream arena (../wasm/decodeArena.ts): the
 * file is read straight into its raw slots and the kernel writes the values where `consume` reads
 * them. Other types (or without WebAssembly SIMD) decode into one float32 array every chunk reuses.
 * Either way chunk k+1 is read while chunk k is decoded and consumed.
 */
export async function streamGgml(
  entry: TensorEntry,
  chunkValues: number,
  opts: PartReadOptions,
  read: PartReader,
  consume: (values: Float32Array, firstElement: number) => void | Promise<void>,
): Promise<void> {
  const layout = layoutOf(entry);
  const { decode, B, S } = layout;
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (count === 0) return;
  if (count % B !== 0) throw new Error(`tensor '${entry.name}' of ${count} values is not whole blocks of ${B}`);
  // At least 128 bytes, so the chunk stays whole blocks above the reader's 64-byte minimum chunk.
  const raw = chunkBytes(S, Math.max(128, Math.floor(chunkValues / B) * S));
  const perRun = raw / S;
  const onProgress = opts.onProgress && ((p: Progress) => opts.onProgress!({ ...p, message: entry.name }));
  const kernel = blockKernelOf(layout.name);
  if (kernel) {
    // The file read straight into the arena's raw slots, the values written where `consume` reads them.
    const plan = { part: layout.part, first: 0, count: (count / B) * S, chunkBytes: raw, chunkValues: perRun * B, tableBytes: 0 };
    const streamed = await streamThroughArena(
      plan,
      { signal: opts.signal, onProgress },
      read,
      () => undefined,
      ({ arena, out, src, bytes }) => {
        // Chunks are whole blocks (chunkBytes is, and at least the reader's 64-byte minimum).
        (arena.kernels[kernel] as BlockKernel)(out, src, bytes / S);
        return (bytes / S) * B;
      },
      (values, chunk) => consume(values, (chunk.first / S) * B),
    );
    if (streamed) return;
  }
  const out = new Float32Array(perRun * B);
  await forEachBlockRun(layout, 0, count / B, { ...opts, chunkBytes: raw, onProgress }, read, async (bytes, off, block, n) => {
    // Runs are at most one chunk, but a reader may hand over more: pieces of `out` size then.
    for (let j = 0; j < n; j += perRun) {
      const m = Math.min(perRun, n - j);
      decode(bytes, off + j * S, m, out, 0);
      await consume(m === perRun ? out : out.subarray(0, m * B), (block + j) * B);
    }
  });
}
