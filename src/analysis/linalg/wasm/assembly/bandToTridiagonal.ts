// Second stage of the reduction: symmetric band (half-bandwidth b) → tridiagonal by Householder
// bulge chasing, the sequential form of LAPACK's dsytrd_sb2st / dsb2st_kernels (lower case).
//
// Storage: column-major lower band with leading dimension ld ≥ min(2b+1, n): element (r, c), r ≥ c,
// sits at ab + (c·ld + r − c)·8, so each column's run down the band is contiguous. The extra b
// diagonals hold the bulge that every chase step creates and the next sweep removes.
import { dot, axpy, axpy2, zero, householder } from './vector';

@inline function at(ab: usize, ld: i32, r: i32, c: i32): usize {
  return ab + ((<usize>c * <usize>ld + <usize>(r - c)) << 3);
}

/**
 * C ← H·C·H for the symmetric lm×lm block whose top-left corner is the diagonal element (s, s),
 * H = I − τ·v·vᵀ (LAPACK dlarfy on the lower triangle). w is scratch of length lm.
 */
function twoSided(ab: usize, ld: i32, s: i32, lm: i32, v: usize, tau: f64, w: usize): void {
  zero(w, lm);
  for (let c: i32 = 0; c < lm; c++) {
    const col = at(ab, ld, s + c, s + c);
    const vc = v + (<usize>c << 3);
    const wc = w + (<usize>c << 3);
    store<f64>(wc, load<f64>(wc) + dot(col, vc, lm - c));
    axpy(wc + 8, load<f64>(vc), col + 8, lm - c - 1);
  }
  let wv: f64 = 0.0;
  for (let i: i32 = 0; i < lm; i++) {
    const o = <usize>i << 3;
    const wi = tau * load<f64>(w + o);
    store<f64>(w + o, wi);
    wv += wi * load<f64>(v + o);
  }
  axpy(w, -0.5 * tau * wv, v, lm);
  for (let c: i32 = 0; c < lm; c++) {
    const col = at(ab, ld, s + c, s + c);
    const o = <usize>c << 3;
    axpy2(col, -load<f64>(w + o), v + o, -load<f64>(v + o), w + o, lm - c);
  }
}

/** progress[i] after sweep i has finished all its steps. */
const DONE: i32 = i32.MAX_VALUE;

/** Waits of 0.2 ms without any progress before the partner thread counts as gone (10 s). */
const PATIENCE: i32 = 50000;

/**
 * Blocks until progress[idx] ≥ need: a short spin, then futex-style waits. Returns false if the
 * value stops changing for PATIENCE waits, so a dead partner thread cannot hang the caller.
 * Before sleeping it raises the waiting flag at progress[n + idx] (see publish).
 */
function waitFor(progress: usize, n: i32, idx: i32, need: i32): bool {
  const at = progress + (<usize>idx << 2);
  const flag = progress + (<usize>(n + idx) << 2);
  let spins: i32 = 0;
  let idle: i32 = 0;
  let last = atomic.load<i32>(at);
  while (idle <= PATIENCE) {
    const seen = atomic.load<i32>(at);
    if (seen >= need) return true;
    if (seen != last) {
      last = seen;
      idle = 0;
    }
    if (++spins > 4000) {
      // Flag first, then look again: with sequentially consistent atomics either this re-read sees
      // the publisher's new value or the publisher sees the flag and notifies (Dekker's pattern).
      atomic.store<i32>(flag, 1);
      const again = atomic.load<i32>(at);
      const result = again != seen ? AtomicWaitResult.NOT_EQUAL : atomic.wait<i32>(at, seen, 200000);
      atomic.store<i32>(flag, 0);
      if (result == AtomicWaitResult.TIMED_OUT) idle++;
    }
  }
  return false;
}

/**
 * Records that sweep idx has finished `steps` steps. The notify (a call out of WASM into the
 * engine's futex table, under its lock) is made only when the partner has flagged that it sleeps:
 * made once per chase step unconditionally, it slowed the two-thread sweeps from 70 to 91 ms
 * (n = 2048, b = 32; one thread takes 120).
 */
@inline function publish(progress: usize, n: i32, idx: i32, steps: i32): void {
  if (progress == 0) return;
  const at = progress + (<usize>idx << 2);
  atomic.store<i32>(at, steps);
  if (atomic.load<i32>(progress + (<usize>(n + idx) << 2)) != 0) atomic.notify(at, 1);
}

/**
 * One sweep i: annihilates column i below its subdiagonal and chases the bulge off the end.
 * Step 0 is the type-1 kernel, step j ≥ 1 the type-2 + type-3 kernels on block j. With progress ≠ 0
 * (parallel sweeps), step j first waits until sweep i − 1 has completed steps 0..j+1: the two
 * then touch disjoint parts of the band, so the result equals the sequential order exactly.
 * Reflector q0 + k is sweep i's k-th reflector when keep ≠ 0.
 */
function sweep(
  ab: usize, ld: i32, n: i32, b: i32, i: i32, progress: usize,
  keep: i32, q0: i32, rows: usize, lens: usize, taus: usize, vs: usize,
  v: usize, w: usize, scratch: usize,
): bool {
  let q = q0;
  const vstride = <usize>b << 3;
  let st = i + 1;
  let ed = min(i + b, n - 1);
  let lm = ed - st + 1;
  if (lm < 2) {
    publish(progress, n, i, DONE);
    return true;
  }
  if (progress != 0 && i > 0 && !waitFor(progress, n, i - 1, 2)) return false;
  // Type 1: annihilate column i below its subdiagonal, then transform the diagonal block.
  const head = at(ab, ld, st, i);
  store<f64>(v, 1.0);
  memory.copy(v + 8, head + 8, <usize>(lm - 1) << 3);
  let tau = householder(load<f64>(head), v + 8, lm, scratch);
  store<f64>(head, load<f64>(scratch));
  zero(head + 8, lm - 1);
  if (keep != 0) q = record(q, st, lm, tau, v, rows, lens, taus, vs, vstride);
  if (tau != 0.0) twoSided(ab, ld, st, lm, v, tau, w);
  let step: i32 = 1;
  publish(progress, n, i, step);
  for (;;) {
    // Type 2: apply H from the right to the block below, which fills it (the bulge); annihilate
    // the bulge's first column with a new reflector and apply that one from the left.
    const j1 = ed + 1;
    const j2 = min(ed + b, n - 1);
    const rowsBelow = j2 - j1 + 1;
    if (rowsBelow <= 0) break;
    if (progress != 0 && i > 0 && !waitFor(progress, n, i - 1, step + 2)) return false;
    const ln = ed - st + 1;
    if (tau != 0.0) {
      zero(w, rowsBelow);
      for (let c: i32 = 0; c < ln; c++) axpy(w, load<f64>(v + (<usize>c << 3)), at(ab, ld, j1, st + c), rowsBelow);
      for (let c: i32 = 0; c < ln; c++) axpy(at(ab, ld, j1, st + c), -tau * load<f64>(v + (<usize>c << 3)), w, rowsBelow);
    }
    const first = at(ab, ld, j1, st);
    store<f64>(v, 1.0);
    memory.copy(v + 8, first + 8, <usize>(rowsBelow - 1) << 3);
    tau = householder(load<f64>(first), v + 8, rowsBelow, scratch);
    store<f64>(first, load<f64>(scratch));
    zero(first + 8, rowsBelow - 1);
    if (tau != 0.0) {
      for (let c: i32 = 1; c < ln; c++) {
        const col = at(ab, ld, j1, st + c);
        axpy(col, -tau * dot(v, col, rowsBelow), v, rowsBelow);
      }
    }
    st = j1;
    ed = j2;
    lm = rowsBelow;
    if (keep != 0) q = record(q, st, lm, tau, v, rows, lens, taus, vs, vstride);
    // Type 3: the same reflector on both sides of the next diagonal block.
    if (tau != 0.0) twoSided(ab, ld, st, lm, v, tau, w);
    step++;
    publish(progress, n, i, step);
  }
  publish(progress, n, i, DONE);
  return true;
}

/**
 * Reduces the band in place; afterwards the diagonal is at column offsets 0 and the subdiagonal at
 * offset 1. Sweeps [sweep0, sweep1) run; callers split the work into slices to stay cancellable,
 * and every sweep before sweep0 must be complete. With threads > 1, each of `threads` callers
 * (thread = 0, 1, …, on the same shared memory) runs the sweeps i ≡ thread (mod threads), pipelined
 * through progress (2·n i32: one per sweep, then one waiting flag per sweep; all zeroed before the
 * first slice); progress = 0 runs alone.
 * When keep ≠ 0 every reflector is recorded for the back-transformation: sweep i's reflectors
 * start at index firstReflector[i] (i32 per sweep); reflector q has its first row in rows[q] (i32),
 * its length in lens[q] (i32), τ in taus[q] and v (unit first entry) in vs + q·b·8.
 * v, w: scratch of b f64 each; scratch: 2 f64 (per thread). Returns 0, or 1 if the partner
 * thread stopped making progress.
 */
export function bandToTridiagonal(
  ab: usize, ld: i32, n: i32, b: i32, sweep0: i32, sweep1: i32,
  thread: i32, threads: i32, progress: usize,
  keep: i32, firstReflector: usize, rows: usize, lens: usize, taus: usize, vs: usize,
  v: usize, w: usize, scratch: usize,
): i32 {
  let i = sweep0;
  if (threads > 1) i += (thread - (sweep0 % threads) + threads) % threads;
  const stride = threads > 1 ? threads : 1;
  for (; i < sweep1; i += stride) {
    const q0 = keep != 0 ? load<i32>(firstReflector + (<usize>i << 2)) : 0;
    if (!sweep(ab, ld, n, b, i, threads > 1 ? progress : 0, keep, q0, rows, lens, taus, vs, v, w, scratch)) return 1;
  }
  return 0;
}

@inline function record(
  q: i32, st: i32, lm: i32, tau: f64, v: usize,
  rows: usize, lens: usize, taus: usize, vs: usize, vstride: usize,
): i32 {
  store<i32>(rows + (<usize>q << 2), st);
  store<i32>(lens + (<usize>q << 2), lm);
  store<f64>(taus + (<usize>q << 3), tau);
  memory.copy(vs + <usize>q * vstride, v, <usize>lm << 3);
  return q + 1;
}

/**
 * Y ← H_q0·H_{q0+1}·…·H_{q1−1}·Y for recorded reflectors (applied last to first), Y row-major with
 * rows of length k at y + r·k·8: the back-transformation of eigenvectors of the tridiagonal matrix
 * to eigenvectors of the band matrix. w is scratch of length k.
 */
export function applyBandReflectors(
  y: usize, k: i32, b: i32, q0: i32, q1: i32, rows: usize, lens: usize, taus: usize, vs: usize, w: usize,
): void {
  const rowBytes = <usize>k << 3;
  const vstride = <usize>b << 3;
  for (let q: i32 = q1 - 1; q >= q0; q--) {
    const tau = load<f64>(taus + (<usize>q << 3));
    if (tau == 0.0) continue;
    const st = load<i32>(rows + (<usize>q << 2));
    const lm = load<i32>(lens + (<usize>q << 2));
    const v = vs + <usize>q * vstride;
    const top = y + <usize>st * rowBytes;
    memory.copy(w, top, rowBytes);
    for (let r: i32 = 1; r < lm; r++) axpy(w, load<f64>(v + (<usize>r << 3)), top + <usize>r * rowBytes, k);
    for (let r: i32 = 0; r < lm; r++) axpy(top + <usize>r * rowBytes, -tau * load<f64>(v + (<usize>r << 3)), w, k);
  }
}
