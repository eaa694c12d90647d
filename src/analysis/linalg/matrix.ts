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

/**
 * mᵀ in m's own storage, for a matrix too large to copy (a 70B up_proj is 896 MiB as float32): the
 * returned matrix (cols × rows) shares m's array, and m must not be used afterwards. The values are
 * those of transpose(m), bit for bit. With g = gcd(rows, cols), m is an r × c grid of g × g blocks
 * (r = rows/g, c = cols/g), stored as [I][i][J][j] (block row I, row i in it, block column J,
 * column j), and mᵀ is [J][j][I][i]: within each block row, the g × c grid of g-long row pieces is
 * transposed ([I][J][i][j]: every block contiguous), each block is transposed on its own, and the
 * r × cols grid of g-long pieces is transposed ([J][j][I][i]). Both grid steps follow the cycles of
 * their permutation (cycle-following in-place transposition, Cate & Twigg, ACM TOMS 3(1), 1977)
 * moving whole pieces, with one bit per piece marking what has moved: for the shapes of language
 * models (g a multiple of 64) every move copies contiguous memory, several times faster than
 * following the cycles of single elements across the whole matrix.
 */
export function transposeInPlace(m: Matrix): Matrix {
  const { rows: R, cols: C, data } = m;
  if (data.length !== R * C) throw new Error(`matrix data has ${data.length} values, expected ${R}×${C}`);
  if (R > 1 && C > 1) {
    const g = gcd(R, C);
    const r = R / g,
      c = C / g;
    const piece = new Float32Array(g);
    if (c > 1) for (let I = 0; I < r; I++) transposePieces(data, I * g * C, g, c, g, piece);
    for (let b = 0; b < r * c; b++) transposeSquare(data, b * g * g, g);
    if (r > 1) transposePieces(data, 0, r, C, g, piece);
  }
  return { rows: C, cols: R, data };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The n × n matrix stored from `offset` transposed in place, tile by tile (a plain double loop thrashes on large matrices). */
function transposeSquare(data: Float32Array, offset: number, n: number): void {
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B)
    for (let j0 = i0; j0 < n; j0 += B) {
      const iEnd = Math.min(i0 + B, n),
        jEnd = Math.min(j0 + B, n);
      for (let i = i0; i < iEnd; i++)
        for (let j = Math.max(j0, i + 1); j < jEnd; j++) {
          const a = offset + i * n + j,
            b = offset + j * n + i;
          const t = data[a];
          data[a] = data[b];
          data[b] = t;
        }
    }
}

/**
 * The rows × cols grid of `len`-long pieces stored from `offset` (piece (i, j) at offset + (i·cols + j)·len)
 * rearranged into its transpose, cols × rows, in place: position p of the result takes the piece at
 * (p mod rows)·cols + ⌊p / rows⌋. Every cycle of that permutation is walked once, from its lowest
 * position (positions 0 and rows·cols − 1 stay), one piece saved in `saved`.
 */
function transposePieces(data: Float32Array, offset: number, rows: number, cols: number, len: number, saved: Float32Array): void {
  const last = rows * cols - 1;
  const moved = new Uint32Array(Math.ceil((last + 1) / 32));
  const at = (p: number) => offset + p * len;
  for (let start = 1; start < last; start++) {
    if (moved[start >>> 5] & (1 << (start & 31))) continue;
    saved.set(data.subarray(at(start), at(start) + len));
    let p = start;
    for (;;) {
      moved[p >>> 5] |= 1 << (p & 31);
      const i = Math.floor(p / rows);
      const q = (p - i * rows) * cols + i;
      if (q === start) {
        data.set(saved, at(p));
        break;
      }
      if (len === 1) data[at(p)] = data[at(q)];
      else data.copyWithin(at(p), at(q), at(q) + len);
      p = q;
    }
  }
}
