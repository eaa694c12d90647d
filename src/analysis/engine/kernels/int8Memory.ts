/**
 * Memory the integer DOCS path (int8MaxAbsCosine.ts) needs for one pair, and whether that fits the
 * engine's memory budget (`layerLens.memoryBudgetMB`) beside the pair's two float32 matrices.
 *
 * The float32 path streams C in row blocks and holds nothing but the two normalised matrices. The
 * integer path also holds a quantized copy of each matrix (int8Quantize.ts, quantizeRows), per weight:
 *   exact (two levels): q + 128 (1 byte), [pᵀ ; qᵀ] (2 bytes), [q + 128 | p + 128] (2 bytes) = 5;
 *   fast (one level):   q + 128 (1 byte), qᵀ (1 byte) = 2;
 * and while a matrix is being quantized, its intermediate q, p and p + 128 (exact: 3 bytes a weight;
 * fast: q and qᵀ in the WASM quantizer's memory, int8QuantizeWasm.ts, 2 bytes; its copy of the
 * weight stands where the other paths hold the normalised float32 copy), plus the screen's block (int8MaxAbsCosine.ts, screenBlockRows). At Llama-3-70B's
 * up_proj (28672 × 8192) the exact copies are 1.2 GB per matrix, more than the float32 matrix itself,
 * so where they do not fit the pair takes the float32 path (docs.ts records why).
 */
import type { Int8Mode } from './int8MaxAbsCosine';
import { SCREEN_BYTES_PER_ELEMENT, screenBlockRows } from './int8MaxAbsCosine';

const MiB = 2 ** 20;

/** Bytes of per-vector values kept beside the integer copies: the fp32 scale and up to six float64 norms. */
const PER_VECTOR_BYTES = 4 + 6 * 8;

/** Bytes a quantized copy of `vectors` unit vectors of length `n` keeps (quantizedRows' cache entry). */
export function int8CopyBytes(vectors: number, n: number, mode: Int8Mode): number {
  return (mode === 'exact' ? 5 : 2) * vectors * n + PER_VECTOR_BYTES * vectors;
}

/** Extra bytes while one matrix is quantized: the intermediates that quantizeRows lets go when it returns. */
export function int8QuantizingBytes(vectors: number, n: number, mode: Int8Mode): number {
  return (mode === 'exact' ? 3 : 2) * vectors * n;
}

export interface Int8DocsMemory {
  /** The two float32 matrices (m×n and m'×n) the pair holds on either path. */
  float32Bytes: number;
  /** What the integer path adds: both quantized copies, the larger one's quantizing intermediates and one screen block. */
  int8Bytes: number;
  /** float32Bytes + int8Bytes. */
  totalBytes: number;
  budgetBytes: number;
  fits: boolean;
  /** When it does not fit: why, in MiB, for the result's `docsPathReason`. */
  reason?: string;
}

/** The integer path's memory for a pair of m×n and m'×n normalised matrices, against a budget in bytes. */
export function int8DocsMemory(budgetBytes: number, m: number, mPrime: number, n: number, mode: Int8Mode): Int8DocsMemory {
  const float32Bytes = 4 * (m + mPrime) * n;
  const screenBytes = screenBlockRows(budgetBytes, m, mPrime) * mPrime * SCREEN_BYTES_PER_ELEMENT;
  const int8Bytes =
    int8CopyBytes(m, n, mode) + int8CopyBytes(mPrime, n, mode) + int8QuantizingBytes(Math.max(m, mPrime), n, mode) + (m > 0 && mPrime > 0 ? screenBytes : 0);
  const totalBytes = float32Bytes + int8Bytes;
  const fits = totalBytes <= budgetBytes;
  const mib = (b: number) => `${Math.ceil(b / MiB)} MiB`;
  return {
    float32Bytes,
    int8Bytes,
    totalBytes,
    budgetBytes,
    fits,
    ...(fits
      ? {}
      : {
          reason: `the int8 screen's quantized copies (${mib(int8Bytes)}) and the two float32 matrices (${mib(float32Bytes)}) exceed the memory budget (${mib(budgetBytes)})`,
        }),
  };
}
