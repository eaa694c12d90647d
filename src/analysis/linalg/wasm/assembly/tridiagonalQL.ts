// Eigenvalues (and optionally eigenvectors) of a symmetric tridiagonal matrix by the implicit QL
// method with Wilkinson shifts (EISPACK tql1/tql2), O(n²) for values, ~6n³ flops with vectors.

@inline function hypot2(a: f64, b: f64): f64 {
  // sqrt(a² + b²) without overflow: the shift ratio g can be huge when an off-diagonal is tiny.
  a = Math.abs(a);
  b = Math.abs(b);
  if (a < b) {
    const t = a;
    a = b;
    b = t;
  }
  if (a == 0.0) return 0.0;
  const r = b / a;
  return a * Math.sqrt(1.0 + r * r);
}

/**
 * d (n diagonal entries) and e (n entries; e[i] couples i and i+1, e[n−1] is scratch) are
 * overwritten: d with the eigenvalues (unsorted), e destroyed. Eigenvalues l0 ≤ l < l1 are
 * deflated by this call, so a caller can run [0, n) in slices to stay cancellable.
 * With zt ≠ 0, the rotations are also applied to zt (n rows of length n: row i holds column i of
 * Z), so starting from the identity its rows end as the eigenvectors.
 * Returns −1 on success, or the index l whose eigenvalue failed to converge in 60 iterations.
 */
export function tridiagonalQL(d: usize, e: usize, n: i32, l0: i32, l1: i32, zt: usize): i32 {
  const rowBytes = <usize>n << 3;
  store<f64>(e + (<usize>(n - 1) << 3), 0.0);
  for (let l: i32 = l0; l < l1; l++) {
    let iter: i32 = 0;
    for (;;) {
      let m: i32 = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(load<f64>(d + (<usize>m << 3))) + Math.abs(load<f64>(d + (<usize>(m + 1) << 3)));
        if (Math.abs(load<f64>(e + (<usize>m << 3))) + dd == dd) break;
      }
      if (m == l) break;
      if (iter++ == 60) return l;
      const dl = load<f64>(d + (<usize>l << 3));
      const el = load<f64>(e + (<usize>l << 3));
      let g = (load<f64>(d + (<usize>(l + 1) << 3)) - dl) / (2.0 * el);
      let r = hypot2(g, 1.0);
      g = load<f64>(d + (<usize>m << 3)) - dl + el / (g + (g >= 0.0 ? r : -r));
      let s: f64 = 1.0;
      let c: f64 = 1.0;
      let p: f64 = 0.0;
      let i: i32 = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const ei = load<f64>(e + (<usize>i << 3));
        const f = s * ei;
        const b = c * ei;
        r = hypot2(f, g);
        store<f64>(e + (<usize>(i + 1) << 3), r);
        if (r == 0.0) {
          // Rotation underflow: deflate and restart this eigenvalue's iteration.
          store<f64>(d + (<usize>(i + 1) << 3), load<f64>(d + (<usize>(i + 1) << 3)) - p);
          store<f64>(e + (<usize>m << 3), 0.0);
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = load<f64>(d + (<usize>(i + 1) << 3)) - p;
        r = (load<f64>(d + (<usize>i << 3)) - g) * s + 2.0 * c * b;
        p = s * r;
        store<f64>(d + (<usize>(i + 1) << 3), g + p);
        g = c * r - b;
        if (zt != 0) rotateRows(zt + <usize>i * rowBytes, zt + <usize>(i + 1) * rowBytes, c, s, n);
      }
      if (underflow) continue;
      store<f64>(d + (<usize>l << 3), load<f64>(d + (<usize>l << 3)) - p);
      store<f64>(e + (<usize>l << 3), g);
      store<f64>(e + (<usize>m << 3), 0.0);
    }
  }
  return -1;
}

/** (x, y) ← (c·x − s·y, s·x + c·y), element-wise over n entries. */
@inline function rotateRows(x: usize, y: usize, c: f64, s: f64, n: i32): void {
  const vc = f64x2.splat(c);
  const vs = f64x2.splat(s);
  let k: i32 = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    const xv = v128.load(x + o);
    const yv = v128.load(y + o);
    v128.store(x + o, f64x2.sub(f64x2.mul(vc, xv), f64x2.mul(vs, yv)));
    v128.store(y + o, f64x2.add(f64x2.mul(vs, xv), f64x2.mul(vc, yv)));
  }
  for (; k < n; k++) {
    const o = <usize>k << 3;
    const xv = load<f64>(x + o);
    const yv = load<f64>(y + o);
    store<f64>(x + o, c * xv - s * yv);
    store<f64>(y + o, s * xv + c * yv);
  }
}
