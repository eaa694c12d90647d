// Validation shared by eigh, singular values and pinv: shape, finiteness and symmetry checks with
// messages a user can act on, and the float64 copy the algorithms work on.
import { Matrix, Matrix64 } from './matrix';

export function checkShape(A: Matrix | Matrix64, what: string): void {
  if (!Number.isInteger(A.rows) || !Number.isInteger(A.cols) || A.rows < 0 || A.cols < 0) {
    throw new Error(`${what}: invalid matrix shape ${A.rows}×${A.cols}`);
  }
  if (A.data.length !== A.rows * A.cols) {
    throw new Error(`${what}: matrix data has ${A.data.length} values, expected ${A.rows}×${A.cols} = ${A.rows * A.cols}`);
  }
}

export function checkFinite(A: Matrix | Matrix64, what: string): void {
  const d = A.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new Error(`${what}: entry (${Math.floor(i / A.cols)}, ${i % A.cols}) is ${d[i]}; the matrix must be finite`);
    }
  }
}

/**
 * The matrix to decompose, float64 and exactly symmetric: A's own data when it already is (float64,
 * finite, every entry equal to its mirror, as Gram matrices computed in float64 usually are), else
 * symmetricCopy's averaged copy. Callers must treat the result as read-only: it may be the caller's
 * array. Skipping the copy saves a fresh n² allocation and a write pass (~30 ms at n = 2048 on the
 * reference machine, where first-touched memory is slow).
 */
export function symmetricView(A: Matrix | Matrix64, what: string): Float64Array {
  checkSquare(A, what);
  const d = A.data;
  return d instanceof Float64Array && isExactlySymmetric(d, A.rows) ? d : symmetricCopy(A, what);
}

function checkSquare(A: Matrix | Matrix64, what: string): void {
  checkShape(A, what);
  if (A.rows !== A.cols) throw new Error(`${what}: needs a square symmetric matrix, got ${A.rows}×${A.cols}`);
}

/**
 * Every entry finite and equal to its mirror (one read-only pass, tiled for the transposed reads).
 * The same 64×64 traversal as symmetricCopy's, written out in both: a shared visitor with a
 * callback per row segment made symmetricCopy 25–35 ms slower at n = 2048 (its accumulators
 * became closure variables), measured.
 */
function isExactlySymmetric(d: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Number.isFinite(d[i * n + i])) return false;
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      for (let i = i0; i < i1; i++) {
        const j1 = Math.min(i, j0 + B);
        for (let j = j0; j < j1; j++) {
          const x = d[i * n + j];
          // NaN ≠ NaN, and an infinite x fails the finiteness test of x − x.
          if (x !== d[j * n + i] || x - x !== 0) return false;
        }
      }
    }
  }
  return true;
}

/**
 * A float64 copy of (A + Aᵀ)/2. Gram matrices computed in float32 are symmetric only up to rounding,
 * so small asymmetry is averaged away; asymmetry beyond 1e-3 of the largest entry means the input
 * is not symmetric at all, which is an error rather than something to silently symmetrise.
 */
export function symmetricCopy(A: Matrix | Matrix64, what: string): Float64Array {
  checkSquare(A, what);
  const n = A.rows;
  const out = new Float64Array(n * n);
  out.set(A.data); // native copy (and float32 → float64 conversion)
  // One pass does the finiteness check, the largest entry and the averaging (a separate pass for
  // each cost ~30 ms at n = 2048, as much as a tenth of the whole decomposition's budget there).
  let finite = true;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const x = out[i * n + i];
    finite &&= Number.isFinite(x);
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  let worst = 0;
  let worstI = 0;
  let worstJ = 0;
  const B = 64; // cache blocking for the transposed reads
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      for (let i = i0; i < i1; i++) {
        const j1 = Math.min(i, j0 + B);
        for (let j = j0; j < j1; j++) {
          const x = out[i * n + j];
          const y = out[j * n + i];
          // NaN fails the comparison and ±Infinity − anything is not finite either.
          if (!(Math.abs(x) + Math.abs(y) < Infinity)) finite = false;
          maxAbs = Math.max(maxAbs, Math.abs(x), Math.abs(y));
          const diff = Math.abs(x - y);
          if (diff > worst) {
            worst = diff;
            worstI = i;
            worstJ = j;
          }
          const avg = 0.5 * (x + y);
          out[i * n + j] = avg;
          out[j * n + i] = avg;
        }
      }
    }
  }
  // The first offending entry in reading order is the one to name.
  if (!finite) checkFinite(A, what);
  if (worst > 1e-3 * maxAbs) {
    throw new Error(
      `${what}: the matrix is not symmetric: entries (${worstI}, ${worstJ}) and (${worstJ}, ${worstI}) differ by ${worst.toPrecision(3)} (largest entry ${maxAbs.toPrecision(3)})`,
    );
  }
  return out;
}
