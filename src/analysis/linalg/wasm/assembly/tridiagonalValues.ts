// Eigenvalues of a symmetric tridiagonal matrix by the Pal–Walker–Kahan square-root-free QL/QR
// iteration (LAPACK dsterf): about twice as fast as QL with rotations when no vectors are needed.

const EPS: f64 = 1.1102230246251565e-16; // 2⁻⁵³, LAPACK's dlamch('E')
const EPS2: f64 = EPS * EPS;
const SAFMIN: f64 = 2.2250738585072014e-308;
const SSFMAX: f64 = Math.sqrt(1.0 / SAFMIN) / 3.0;
const SSFMIN: f64 = Math.sqrt(SAFMIN) / EPS2;
const MAXIT: i32 = 30;

@inline function D(d: usize, i: i32): f64 {
  return load<f64>(d + (<usize>i << 3));
}
@inline function setD(d: usize, i: i32, x: f64): void {
  store<f64>(d + (<usize>i << 3), x);
}

@inline function signOf(a: f64, b: f64): f64 {
  return b >= 0.0 ? Math.abs(a) : -Math.abs(a);
}

@inline function pythag(a: f64, b: f64): f64 {
  a = Math.abs(a);
  b = Math.abs(b);
  const w = Math.max(a, b);
  const z = Math.min(a, b);
  if (z == 0.0) return w;
  const r = z / w;
  return w * Math.sqrt(1.0 + r * r);
}

/** Eigenvalues of [[a, b], [b, c]] (LAPACK dlae2); rt1 has the larger magnitude. */
function eig2(a: f64, b: f64, c: f64, out: usize): void {
  const sm = a + c;
  const adf = Math.abs(a - c);
  const ab = Math.abs(b + b);
  let acmx = a;
  let acmn = c;
  if (Math.abs(a) <= Math.abs(c)) {
    acmx = c;
    acmn = a;
  }
  let rt: f64;
  if (adf > ab) rt = adf * Math.sqrt(1.0 + (ab / adf) * (ab / adf));
  else if (adf < ab) rt = ab * Math.sqrt(1.0 + (adf / ab) * (adf / ab));
  else rt = ab * Math.SQRT2;
  let rt1: f64;
  let rt2: f64;
  if (sm < 0.0) {
    rt1 = 0.5 * (sm - rt);
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else if (sm > 0.0) {
    rt1 = 0.5 * (sm + rt);
    rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
  } else {
    rt1 = 0.5 * rt;
    rt2 = -0.5 * rt;
  }
  store<f64>(out, rt1);
  store<f64>(out, rt2, 8);
}

function scaleRun(x: usize, from: i32, count: i32, factor: f64): void {
  for (let i: i32 = 0; i < count; i++) setD(x, from + i, D(x, from + i) * factor);
}

/**
 * d (n) and e (n − 1) in place: d ends holding the eigenvalues (unsorted), e destroyed.
 * Returns the number of off-diagonal entries that failed to converge (0 on success).
 * scratch: 2 f64.
 */
export function tridiagonalValues(d: usize, e: usize, n: i32, scratch: usize): i32 {
  if (n <= 1) return 0;
  const nmaxit = n * MAXIT;
  let jtot: i32 = 0;
  let l1: i32 = 0;
  while (l1 < n) {
    if (l1 > 0) setD(e, l1 - 1, 0.0);
    // Split where an off-diagonal is negligible.
    let m: i32 = l1;
    for (; m < n - 1; m++) {
      if (Math.abs(D(e, m)) <= Math.sqrt(Math.abs(D(d, m))) * Math.sqrt(Math.abs(D(d, m + 1))) * EPS) {
        setD(e, m, 0.0);
        break;
      }
    }
    let l = l1;
    const lsv = l;
    let lend = m;
    const lendsv = lend;
    l1 = m + 1;
    if (lend == l) continue;
    // Scale the block to a safe range.
    let anorm: f64 = 0.0;
    for (let i = l; i <= lend; i++) anorm = Math.max(anorm, Math.abs(D(d, i)));
    for (let i = l; i < lend; i++) anorm = Math.max(anorm, Math.abs(D(e, i)));
    if (anorm == 0.0) continue;
    let iscale: i32 = 0;
    if (anorm > SSFMAX) {
      iscale = 1;
      scaleRun(d, l, lend - l + 1, SSFMAX / anorm);
      scaleRun(e, l, lend - l, SSFMAX / anorm);
    } else if (anorm < SSFMIN) {
      iscale = 2;
      scaleRun(d, l, lend - l + 1, SSFMIN / anorm);
      scaleRun(e, l, lend - l, SSFMIN / anorm);
    }
    for (let i = l; i < lend; i++) setD(e, i, D(e, i) * D(e, i));
    // QL when the top is larger in magnitude than the bottom, QR otherwise.
    if (Math.abs(D(d, lend)) < Math.abs(D(d, l))) {
      lend = lsv;
      l = lendsv;
    }
    if (lend >= l) {
      // QL iteration.
      while (l <= lend) {
        let mm: i32 = l;
        if (l != lend) {
          for (; mm < lend; mm++) if (Math.abs(D(e, mm)) <= EPS2 * Math.abs(D(d, mm) * D(d, mm + 1))) break;
        } else mm = lend;
        if (mm < lend) setD(e, mm, 0.0);
        let p = D(d, l);
        if (mm == l) {
          setD(d, l, p);
          l++;
          continue;
        }
        if (mm == l + 1) {
          eig2(D(d, l), Math.sqrt(D(e, l)), D(d, l + 1), scratch);
          setD(d, l, load<f64>(scratch));
          setD(d, l + 1, load<f64>(scratch, 8));
          setD(e, l, 0.0);
          l += 2;
          continue;
        }
        if (jtot == nmaxit) break;
        jtot++;
        const rte = Math.sqrt(D(e, l));
        let sigma = (D(d, l + 1) - p) / (2.0 * rte);
        const r0 = pythag(sigma, 1.0);
        sigma = p - rte / (sigma + signOf(r0, sigma));
        let c: f64 = 1.0;
        let s: f64 = 0.0;
        let gamma = D(d, mm) - sigma;
        p = gamma * gamma;
        for (let i = mm - 1; i >= l; i--) {
          const bb = D(e, i);
          const r = p + bb;
          if (i != mm - 1) setD(e, i + 1, s * r);
          const oldc = c;
          c = p / r;
          s = bb / r;
          const oldgam = gamma;
          const alpha = D(d, i);
          gamma = c * (alpha - sigma) - s * oldgam;
          setD(d, i + 1, oldgam + (alpha - gamma));
          p = c != 0.0 ? (gamma * gamma) / c : oldc * bb;
        }
        setD(e, l, s * p);
        setD(d, l, sigma + gamma);
      }
    } else {
      // QR iteration.
      while (l >= lend) {
        let mm: i32 = l;
        for (; mm > lend; mm--) if (Math.abs(D(e, mm - 1)) <= EPS2 * Math.abs(D(d, mm) * D(d, mm - 1))) break;
        if (mm > lend) setD(e, mm - 1, 0.0);
        let p = D(d, l);
        if (mm == l) {
          setD(d, l, p);
          l--;
          continue;
        }
        if (mm == l - 1) {
          eig2(D(d, l), Math.sqrt(D(e, l - 1)), D(d, l - 1), scratch);
          setD(d, l, load<f64>(scratch));
          setD(d, l - 1, load<f64>(scratch, 8));
          setD(e, l - 1, 0.0);
          l -= 2;
          continue;
        }
        if (jtot == nmaxit) break;
        jtot++;
        const rte = Math.sqrt(D(e, l - 1));
        let sigma = (D(d, l - 1) - p) / (2.0 * rte);
        const r0 = pythag(sigma, 1.0);
        sigma = p - rte / (sigma + signOf(r0, sigma));
        let c: f64 = 1.0;
        let s: f64 = 0.0;
        let gamma = D(d, mm) - sigma;
        p = gamma * gamma;
        for (let i = mm; i < l; i++) {
          const bb = D(e, i);
          const r = p + bb;
          if (i != mm) setD(e, i - 1, s * r);
          const oldc = c;
          c = p / r;
          s = bb / r;
          const oldgam = gamma;
          const alpha = D(d, i + 1);
          gamma = c * (alpha - sigma) - s * oldgam;
          setD(d, i, oldgam + (alpha - gamma));
          p = c != 0.0 ? (gamma * gamma) / c : oldc * bb;
        }
        setD(e, l - 1, s * p);
        setD(d, l, sigma + gamma);
      }
    }
    if (iscale == 1) scaleRun(d, lsv, lendsv - lsv + 1, anorm / SSFMAX);
    if (iscale == 2) scaleRun(d, lsv, lendsv - lsv + 1, anorm / SSFMIN);
    if (jtot >= nmaxit) {
      let bad: i32 = 0;
      for (let i: i32 = 0; i < n - 1; i++) if (D(e, i) != 0.0) bad++;
      return bad;
    }
  }
  return 0;
}
