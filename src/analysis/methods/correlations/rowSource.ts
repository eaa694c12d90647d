/**
 * A weight matrix `[rows, cols]` that the MLP measures read in row blocks, so that at 70B shapes
 * (gate and up 28672 × 8192, 896 MiB each as float32) the step never holds more than one of them
 * whole beside down_proj. From the model file, a block is read straight from its bytes where the
 * storage keeps the matrix's rows contiguous (a plain 2-D tensor, one expert of a 3-D one, a fused
 * gate_up's half); any other storage (transposed Conv1D, interleaved rows, MXFP4, FP8 block scales,
 * a rebuilt kv_b) is read whole once and served from memory.
 */
import type { JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import { readElementsF32 } from '../../io/tensorReader';
import { readMatrix } from '../../model/readRole';
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

/** Whether the matrix's rows are contiguous in its tensor's storage, so that a row block is one byte range. */
export function readsRows(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>): boolean {
  const s = ref.source;
  const t = model.tensors.get(s.tensor);
  if (!t || s.transpose || s.mxfp4 || s.mlaKvB || s.blockScale || s.rowIndex || (s.rowStep ?? 1) !== 1) return false;
  return s.expert === undefined ? t.shape.length === 2 : t.shape.length === 3 && Number.isInteger(s.expert);
}

/** A role or expert matrix of the model; `flag` names it in a non-finite flag. */
export function modelRows(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>, flag: RowSource['flag'], ctx: JobContext = {}): RowSource {
  const [rows, cols] = ref.shape;
  const read = () => readMatrix(model, ref, { signal: ctx.signal });
  if (!readsRows(model, ref)) {
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
  const t = model.tensors.get(ref.source.tensor)!;
  // As readMatrix's contiguous case: one expert's [R, C] slice starts at expert·R·C, a fused
  // tensor's role at its first row.
  const stored = t.shape.slice(-2);
  if (stored[1] !== cols) throw new Error(`layer ${ref.layer} ${ref.role}: '${t.name}' has ${stored[1]} columns but the map says ${cols}`);
  const base = (ref.source.expert ?? 0) * stored[0] * stored[1] + (ref.source.rows?.[0] ?? 0) * cols;
  return {
    rows,
    cols,
    read: async (r0, r1) => {
      if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= rows))
        throw new Error(`rows ${r0}..${r1} are outside layer ${ref.layer} ${ref.role} with ${rows} rows`);
      return readElementsF32(t, base + r0 * cols, (r1 - r0) * cols, { signal: ctx.signal });
    },
    whole: read,
    release: () => {},
    flag,
  };
}
