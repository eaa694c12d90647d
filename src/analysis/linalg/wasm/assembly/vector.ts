// Level-1 kernels on contiguous float64 runs, two lanes at a time (WASM SIMD f64x2).
// Pointers are byte offsets into linear memory; lengths are element counts.

/** Σ x[i]·y[i] for i < n. */
@inline
export function dot(x: usize, y: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0.0);
  let acc1 = f64x2.splat(0.0);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  acc0 = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
  for (; i < n; i++) {
    const o = <usize>i << 3;
    s += load<f64>(x + o) * load<f64>(y + o);
  }
  return s;
}

/** y[i] += a·x[i] for i < n. */
@inline
export function axpy(y: usize, a: f64, x: usize, n: i32): void {
  const va = f64x2.splat(a);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
    v128.store(y + o, f64x2.add(v128.load(y + o, 16), f64x2.mul(va, v128.load(x + o, 16))), 16);
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + a * load<f64>(x + o));
  }
}

/** y[i] += a·x[i] + b·z[i] for i < n (two fused axpys: one pass over y). */
@inline
export function axpy2(y: usize, a: f64, x: usize, b: f64, z: usize, n: i32): void {
  const va = f64x2.splat(a);
  const vb = f64x2.splat(b);
  let i: i32 = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.add(f64x2.mul(va, v128.load(x + o)), f64x2.mul(vb, v128.load(z + o)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + a * load<f64>(x + o) + b * load<f64>(z + o));
  }
}

/** x[i] *= a for i < n. */
@inline
export function scale(x: usize, a: f64, n: i32): void {
  for (let i: i32 = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(x + o, load<f64>(x + o) * a);
  }
}

/** x[i] = 0 for i < n. */
@inline
export function zero(x: usize, n: i32): void {
  memory.fill(x, 0, <usize>n << 3);
}

/**
 * Householder reflector (LAPACK dlarfg): given alpha and x (length n-1), finds tau and v = [1; x']
 * with (I − tau·v·vᵀ)·[alpha; x] = [beta; 0]. Overwrites x with x' and returns tau; beta is left in
 * the f64 at betaOut. tau = 0 (identity) when x is already zero.
 */
export function householder(alpha: f64, x: usize, n: i32, betaOut: usize): f64 {
  if (n <= 1) {
    store<f64>(betaOut, alpha);
    return 0.0;
  }
  // Scale by the largest magnitude first so that squares neither overflow nor underflow.
  let big: f64 = Math.abs(alpha);
  for (let i: i32 = 0; i < n - 1; i++) big = Math.max(big, Math.abs(load<f64>(x + (<usize>i << 3))));
  if (big == 0.0) {
    store<f64>(betaOut, alpha);
    return 0.0;
  }
  const inv = 1.0 / big;
  let xnorm2: f64 = 0.0;
  for (let i: i32 = 0; i < n - 1; i++) {
    const t = load<f64>(x + (<usize>i << 3)) * inv;
    xnorm2 += t * t;
  }
  if (xnorm2 == 0.0) {
    store<f64>(betaOut, alpha);
    return 0.0;
  }
  const a = alpha * inv;
  let beta = Math.sqrt(a * a + xnorm2);
  if (alpha >= 0.0) beta = -beta;
  const tau = (beta - a) / beta;
  scale(x, 1.0 / (alpha - beta * big), n - 1);
  store<f64>(betaOut, beta * big);
  return tau;
}
