/**
 * The singular values of a LoRA update ΔW = s·B·A (B `[p, r]`, A `[r, q]`) without forming ΔW:
 * with B = Q_B·R_B and Aᵀ = Q_A·R_A (thin QR, Q orthonormal), ΔW = s·Q_B·(R_B·R_Aᵀ)·Q_Aᵀ, so its
 * non-zero singular values are |s| times those of the small r×r matrix R_B·R_Aᵀ. Cost O((p + q)·r²)
 * for the two QRs (Householder) and O(r³) for the SVD of the core (one-sided Jacobi), all in float64:
 * exact to rounding, where an SVD of the dense p×q ΔW would cost O(p·q·min(p, q)).
 */

/** R (k×n, k = min(m, n), upper triangular) of the Householder QR of the m×n row-major matrix `x`. */
export function householderR(x: ArrayLike<number>, m: number, n: number): Float64Array {
  const a = Float64Array.from(x);
  const k = Math.min(m, n);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += a[i * n + j] * a[i * n + j];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[j * n + j] > 0 ? -norm : norm;
    // v = x − alpha·e_j, stored in a fresh vector; H = I − 2vvᵀ/(vᵀv).
    const v = new Float64Array(m - j);
    for (let i = j; i < m; i++) v[i - j] = a[i * n + j];
    v[0] -= alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let c = j; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i - j] * a[i * n + c];
      const f = (2 * dot) / vv;
      for (let i = j; i < m; i++) a[i * n + c] -= f * v[i - j];
    }
  }
  const r = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let j = i; j < n; j++) r[i * n + j] = a[i * n + j];
  return r;
}

/** Singular values (descending) of the small row-major m×n matrix `x`, by one-sided Jacobi rotations. */
export function jacobiSingularValues(x: ArrayLike<number>, m: number, n: number): Float64Array {
  // Work on the columns of the taller orientation so that the rotations act on min(m, n) columns.
  const tall = m >= n;
  const rows = tall ? m : n;
  const cols = tall ? n : m;
  const u = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) u[tall ? i * cols + j : j * cols + i] = x[i * n + j];
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < cols - 1; p++) {
      for (let q = p + 1; q < cols; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < rows; i++) {
          const up = u[i * cols + p];
          const uq = u[i * cols + q];
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < rows; i++) {
          const up = u[i * cols + p];
          const uq = u[i * cols + q];
          u[i * cols + p] = c * up - s * uq;
          u[i * cols + q] = s * up + c * uq;
        }
      }
    }
    if (!rotated) break;
  }
  const out = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += u[i * cols + j] * u[i * cols + j];
    out[j] = Math.sqrt(s);
  }
  return out.sort().reverse();
}

/**
 * The min(r, p, q) singular values of s·B·A, descending (the rest are zero). `b` is B `[p, r]`, `a`
 * is A `[r, q]`, both row-major.
 */
export function loraSingularValues(b: ArrayLike<number>, p: number, a: ArrayLike<number>, r: number, q: number, scaling: number): Float64Array {
  const rb = householderR(b, p, r); // kb×r
  const at = new Float64Array(q * r);
  for (let k = 0; k < r; k++) for (let j = 0; j < q; j++) at[j * r + k] = a[k * q + j];
  const ra = householderR(at, q, r); // ka×r
  const kb = Math.min(p, r);
  const ka = Math.min(q, r);
  // Core = R_B · R_Aᵀ, kb×ka.
  const core = new Float64Array(kb * ka);
  for (let i = 0; i < kb; i++)
    for (let j = 0; j < ka; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += rb[i * r + k] * ra[j * r + k];
      core[i * ka + j] = s;
    }
  const sv = jacobiSingularValues(core, kb, ka);
  const abs = Math.abs(scaling);
  for (let i = 0; i < sv.length; i++) sv[i] *= abs;
  return sv;
}
