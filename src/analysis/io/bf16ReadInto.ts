/**
 * Reads BF16 elements of a tensor into a caller's float32 array through the WebAssembly SIMD
 * widening of bf16Wasm.ts. A caller's array cannot live in a WebAssembly memory, so each chunk's raw
 * bytes are read straight into one of two reused scratch destinations (chunk k+1 is read while
 * chunk k is widened), widened there and copied out with one `set` (a memcpy): two passes at memory
 * speed instead of the JavaScript loop of dtypes.ts (about 1 GiB/s), which the model executor paid
 * on its main thread for every layer's weights while onnxruntime's threads multiplied.
 */
import { bf16Destination, type Bf16Destination } from './bf16Wasm';
import { DEFAULT_CHUNK_BYTES, forEachRawChunk, WASM_MIN_VALUES } from './tensorReader';
import type { TensorEntry } from '../model/types';

const CHUNK_VALUES = DEFAULT_CHUNK_BYTES / 2;
type Pair = [Bf16Destination, Bf16Destination];
/** Scratch pairs not in use (reads may run concurrently: the executor prefetches the next layer). */
const free: Pair[] = [];

function acquire(): Pair | null {
  const known = free.pop();
  if (known) return known;
  const a = bf16Destination(CHUNK_VALUES),
    b = a && bf16Destination(CHUNK_VALUES);
  return a && b ? [a, b] : null;
}

/**
 * Elements `first … first + dest.length` of BF16 tensor `entry`, widened exactly into `dest`.
 * False (nothing read) when WebAssembly is unavailable or the read is too small to gain from it.
 */
export async function readBf16Into(entry: TensorEntry, first: number, dest: Float32Array): Promise<boolean> {
  if (entry.dtype !== 'BF16' || entry.quant || dest.length < WASM_MIN_VALUES) return false;
  const slots = acquire();
  if (!slots) return false;
  let k = 0; // chunks are consumed in the order they are read
  try {
    await forEachRawChunk(
      entry,
      first,
      dest.length,
      { chunkBytes: 2 * CHUNK_VALUES },
      (_bytes, at, m) => {
        const d = slots[k++ & 1];
        d.expand(0, m);
        dest.set(d.out.subarray(0, m), at - first);
      },
      (chunk, m) => slots[chunk & 1].rawSlot(0, m),
    );
  } finally {
    free.push(slots);
  }
  return true;
}
