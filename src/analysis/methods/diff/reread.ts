/**
 * A pair's matrix read again into an array the diff already holds (matrix.ts): at 70B shapes a
 * second read costs a couple of seconds, a third resident 896 MiB matrix more than the memory
 * budget allows. Where the storage keeps the matrix's values contiguous and unscaled (a plain 2-D
 * tensor, one expert of a 3-D one, a fused tensor's row block, a GGUF quantized tensor) they are
 * decoded straight into the array, as readMatrix's contiguous case reads them; scaled storage with
 * contiguous rows (FP8 with block scales) a block of rows at a time (readRole.ts matrixRowReader),
 * each copied in; any other storage (transposed Conv1D, stepped or gathered rows, MXFP4, a rebuilt
 * kv_b) is read by readMatrix and copied, the same values either way.
 */
import type { JobContext } from '../../jobs';
import { readElementsF32 } from '../../io/tensorReader';
import { matrixRowReader, readMatrix } from '../../model/readRole';
import type { MatrixKind, ModelHandle, RoleMatrixRef } from '../../model/types';

/** Values per block of rows read on their own (16 MiB of float32). */
const ROW_BLOCK_VALUES = 4 * 1024 * 1024;

/** Writes the matrix's `rows × cols` values, row-major `[out, in]`, into `into` (exactly that long). */
export type ReadInto = (into: Float32Array, ctx?: JobContext) => Promise<void>;

/** Whether readMatrix reads `ref` as one contiguous element range of its tensor, unscaled; that range's first element. */
function contiguousStart(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>): number | null {
  const s = ref.source;
  const t = model.tensors.get(s.tensor);
  if (!t || s.transpose || s.mxfp4 || s.mlaKvB || s.blockScale || s.rowIndex || (s.rows && (s.rowStep ?? 1) !== 1)) return null;
  const stored =
    s.expert === undefined ? (t.shape.length === 2 ? t.shape : null) : t.shape.length === 3 && Number.isInteger(s.expert) ? t.shape.slice(1) : null;
  if (!stored || stored[1] !== ref.shape[1]) return null;
  return (s.expert ?? 0) * stored[0] * stored[1] + (s.rows?.[0] ?? 0) * stored[1];
}

/** Reads `ref` of `model` into a caller's array (see the file comment). */
export function matrixReader(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>): ReadInto {
  const [rows, cols] = ref.shape;
  const first = contiguousStart(model, ref);
  const rowsOf = first === null ? matrixRowReader(model, ref) : null;
  return async (into, ctx = {}) => {
    if (into.length !== rows * cols) throw new Error(`layer ${ref.layer} ${ref.role}: an array of ${into.length} values cannot hold ${rows}×${cols}`);
    if (first !== null) {
      await readElementsF32(model.tensors.get(ref.source.tensor)!, first, rows * cols, { signal: ctx.signal }, into);
      return;
    }
    if (rowsOf) {
      const step = Math.max(1, Math.floor(ROW_BLOCK_VALUES / Math.max(1, cols)));
      for (let r0 = 0; r0 < rows; r0 += step) into.set(await rowsOf(r0, Math.min(rows, r0 + step), { signal: ctx.signal }), r0 * cols);
      return;
    }
    into.set((await readMatrix(model, ref, { signal: ctx.signal })).data);
  };
}
