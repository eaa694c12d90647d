// Householder QR of one tall panel, for the first stage of the tridiagonal reduction
// (dense → band). The panel holds k columns of length L, column j at p + j·ld (contiguous), so
// every inner loop runs down a column with SIMD.
import { dot, axpy, householder } from './vector';

/**
 * In place: R on and above the diagonal, the Householder vectors below it (unit leading entry
 * implied), tau[j] for reflector j, and T (k×k upper triangular, row-major) with
 * H₀·H₁·…·H_{k−1} = I − V·T·Vᵀ (LAPACK dgeqr2 followed by dlarft, forward, column-wise).
 * Only min(k, L) reflectors exist; the remaining taus and T entries are zero.
 */
export function panelQR(p: usize, ld: i32, L: i32, k: i32, tau: usize, t: usize, scratch: usize): void {
  const ldb = <usize>ld << 3;
  const nref = min(k, L);
  for (let j: i32 = 0; j < k; j++) store<f64>(tau + (<usize>j << 3), 0.0);
  for (let j: i32 = 0; j < nref; j++) {
    const cj = p + <usize>j * ldb;
    const diag = cj + (<usize>j << 3);
    const tj = householder(load<f64>(diag), diag + 8, L - j, scratch);
    store<f64>(tau + (<usize>j << 3), tj);
    const beta = load<f64>(scratch);
    if (tj != 0.0) {
      // Apply Hⱼ = I − τ·v·vᵀ (v = [1; below-diagonal part]) to the columns on its right.
      store<f64>(diag, 1.0);
      for (let c: i32 = j + 1; c < k; c++) {
        const cc = p + <usize>c * ldb + (<usize>j << 3);
        const s = tj * dot(diag, cc, L - j);
        axpy(cc, -s, diag, L - j);
      }
    }
    store<f64>(diag, beta);
  }
  // T, column by column: T[0:i, i] = −τᵢ · T[0:i, 0:i] · (V[:, 0:i]ᵀ · vᵢ).
  const kb = <usize>k << 3;
  memory.fill(t, 0, <usize>k * kb);
  for (let i: i32 = 0; i < nref; i++) {
    const ti = load<f64>(tau + (<usize>i << 3));
    store<f64>(t + <usize>i * kb + (<usize>i << 3), ti);
    if (ti == 0.0) continue;
    const ci = p + <usize>i * ldb;
    for (let c: i32 = 0; c < i; c++) {
      const cc = p + <usize>c * ldb;
      // vᵢ has a unit entry at row i and zeros above it.
      const s = load<f64>(cc + (<usize>i << 3)) + dot(cc + (<usize>(i + 1) << 3), ci + (<usize>(i + 1) << 3), L - i - 1);
      store<f64>(scratch + (<usize>c << 3), -ti * s);
    }
    // Upper-triangular product, in place from the top row down (row r only needs entries ≥ r).
    for (let r: i32 = 0; r < i; r++) {
      let s: f64 = 0.0;
      for (let c: i32 = r; c < i; c++) s += load<f64>(t + <usize>r * kb + (<usize>c << 3)) * load<f64>(scratch + (<usize>c << 3));
      store<f64>(t + <usize>r * kb + (<usize>i << 3), s);
    }
  }
}
