/**
 * A weight matrix `[rows, cols]` that the MLP measures read in row blocks, so that at 70B shapes
 * (gate and up 28672 × 8192, 896 MiB each as float32) the step never holds more than one of them
 * whole beside down_proj. From the model file, a block is read on its own where the storage keeps
 * the matrix's rows contiguous (a plain 2-D tensor, FP8 with block scales included, one expert of a
 * 3-D one, a fused gate_up's half: readRole.ts matrixRowReader); any other storage (transposed
 * Conv1D, interleaved rows, MXFP4, a rebuilt kv_b) is read whole once and served from memory.
 */
import type { JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import { matrixRowReader, readMatrix } from '../../model/readRole';
import type { MatrixKind, ModelHandle, RoleMatrixRef } from '../../model/types';
import type { WeightFlag } from '../common/nonFinite';

export interface RowSource {
  rows: number;
  cols: number;
  /** Rows r0 … r1 (exclusive), `(r1 − r0) × cols` row-major; a view, not a copy, when the matrix is held. */
  read(r0: number, r1: number): Promise<Float32Array>;
  /** The whole matrix, read again (not kept by the source) or the matrix held. */
  whole(): Promise<Matrix>;
  /** Lets go of whatever the source keeps (the whole matrix of a storage without row reads). */
  release(): void;
  /** The non-finite flag of this matrix's values, or null when every one is finite. */
  flag(values: ArrayLike<number>): WeightFlag | null;
}

/** A matrix already in memory (the in-memory entry point and the tests). */
export function matrixRows(m: Matrix, flag: RowSource['flag'] = () => null): RowSource {
  return {
    rows: m.rows,
    cols: m.cols,
    read: (r0, r1) => Promise.resolve((m.data as Float32Array).subarray(r0 * m.cols, r1 * m.cols)),
    whole: () => Promise.resolve(m),
    release: () => {},
    flag,
  };
}

/** A role or expert matrix of the model; `flag` names it in a non-finite flag. */
export function modelRows(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>, flag: RowSource['flag'], ctx: JobContext = {}): RowSource {
  const [rows, cols] = ref.shape;
  const read = () => readMatrix(model, ref, { signal: ctx.signal });
  const rowsOf = matrixRowReader(model, ref);
  if (!rowsOf) {
    let held: Matrix | undefined;
    return {
      rows,
      cols,
      read: async (r0, r1) => {
        held ??= await read();
        return (held.data as Float32Array).subarray(r0 * cols, r1 * cols);
      },
      whole: async () => held ?? read(),
      release: () => {
        held = undefined;
      },
      flag,
    };
  }
  return { rows, cols, read: (r0, r1) => rowsOf(r0, r1, { signal: ctx.signal }), whole: read, release: () => {}, flag };
}
