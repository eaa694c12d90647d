/** A dense row-major float32 matrix: element (i, j) is data[i * cols + j]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** A dense row-major float64 matrix, for small exact work (oracles, eigen tails, tests). */
export interface Matrix64 {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const d = data ?? new Float32Array(rows * cols);
  if (d.length !== rows * cols) throw new Error(`matrix data has ${d.length} values, expected ${rows}×${cols}`);
  return { rows, cols, data: d };
}

export function transpose(m: Matrix): Matrix;
export function transpose(m: Matrix64): Matrix64;
export function transpose(m: Matrix | Matrix64): Matrix | Matrix64 {
  const out = m.data instanceof Float64Array ? new Float64Array(m.rows * m.cols) : new Float32Array(m.rows * m.cols);
  return transposeInto(m, out);
}

/**
 * mᵀ written into `out` (another matrix's storage that is no longer needed, of the same length and
 * not overlapping m's), so that a transpose costs no new allocation.
 */
export function transposeInto(m: Matrix, out: Float32Array): Matrix;
export function transposeInto(m: Matrix64, out: Float64Array): Matrix64;
export function transposeInto(m: Matrix | Matrix64, out: Float32Array | Float64Array): Matrix | Matrix64;
export function transposeInto(m: Matrix | Matrix64, out: Float32Array | Float64Array): Matrix | Matrix64 {
  if (out.length !== m.rows * m.cols) throw new Error(`transpose: the output holds ${out.length} values, expected ${m.rows}×${m.cols}`);
  if (out.buffer === m.data.buffer) throw new Error('transpose: the output must not share the input’s storage');
  const B = 64; // cache blocking: a plain double loop thrashes on large matrices
  for (let i0 = 0; i0 < m.rows; i0 += B) {
    for (let j0 = 0; j0 < m.cols; j0 += B) {
      const iEnd = Math.min(i0 + B, m.rows),
        jEnd = Math.min(j0 + B, m.cols);
      for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) out[j * m.rows + i] = m.data[i * m.cols + j];
    }
  }
  return { rows: m.cols, cols: m.rows, data: out } as Matrix | Matrix64;
}

/** Rows r0..r1 (exclusive) as a copy. */
export function sliceRows(m: Matrix, r0: number, r1: number): Matrix {
  return { rows: r1 - r0, cols: m.cols, data: m.data.slice(r0 * m.cols, r1 * m.cols) };
}

/** Columns c0..c1 (exclusive) as a copy. */
export function sliceCols(m: Matrix, c0: number, c1: number): Matrix {
  const w = c1 - c0;
  const out = new Float32Array(m.rows * w);
  for (let i = 0; i < m.rows; i++) out.set(m.data.subarray(i * m.cols + c0, i * m.cols + c1), i * w);
  return { rows: m.rows, cols: w, data: out };
}

/**
 * Rows r0 … r1 − 1 of `w` scaled to unit length, written to `out` from row `outFirstRow` on:
 * out[i, :] = w[i, :] · (1 / ‖w[i, :]‖), the norm from a float64 sum of squares (0 for a zero row).
 * `out` may be `w.data` itself (with outFirstRow = r0): each row is summed before it is written.
 */
export function scaleRowsToUnit(w: Matrix, r0: number, r1: number, out: Float32Array, outFirstRow = r0): void {
  const { cols, data } = w;
  for (let i = r0; i < r1; i++) {
    const row = data.subarray(i * cols, (i + 1) * cols);
    let s = 0;
    for (let j = 0; j < cols; j++) s += row[j] * row[j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    const o = (i - r0 + outFirstRow) * cols;
    for (let j = 0; j < cols; j++) out[o + j] = row[j] * inv;
  }
}
