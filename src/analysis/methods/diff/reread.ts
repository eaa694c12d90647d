/**
 * A pair's matrix read again into an array the diff already holds (matrix.ts): at 70B shapes a
 * second read costs a couple of seconds, a third resident 896 MiB matrix more than the memory
 * budget allows. Where the storage keeps the matrix's rows contiguous (a plain 2-D tensor, one
 * expert of a 3-D one, a fused tensor's row block, a GGUF quantized tensor, FP8 with block scales)
 * they are decoded straight into the array, scales applied (readRole.ts readMatrixInto);
 * any other storage (transposed Conv1D, stepped or gathered rows, MXFP4, a rebuilt kv_b) is read by
 * readMatrix and copied, the same values either way.
 */
import type { JobContext } from '../../jobs';
import { readMatrixInto } from '../../model/readRole';
import type { MatrixKind, ModelHandle, RoleMatrixRef } from '../../model/types';

/** Writes the matrix's `rows × cols` values, row-major `[out, in]`, into `into` (exactly that long). */
export type ReadInto = (into: Float32Array, ctx?: JobContext) => Promise<void>;

/** Reads `ref` of `model` into a caller's array (see the file comment). */
export function matrixReader(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>): ReadInto {
  const [rows, cols] = ref.shape;
  return async (into, ctx = {}) => {
    if (into.length !== rows * cols) throw new Error(`layer ${ref.layer} ${ref.role}: an array of ${into.length} values cannot hold ${rows}×${cols}`);
    const m = await readMatrixInto(model, ref, into, { signal: ctx.signal });
    if (m.data !== into) into.set(m.data);
  };
}
