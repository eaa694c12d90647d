// Eigenvalues and eigenvectors of a symmetric tridiagonal matrix by divide and conquer: Cuppen's
// splitting into two halves plus a rank-one correction, deflation, the secular equation solved per
// root with a bracketed rational (two-pole) iteration, and Gu & Eisenstat's recomputed z so that
// the vectors come out orthogonal (the scheme of LAPACK's dstedc/dlaed*, written here from the
// published method). Why not the QL iteration with rotations: it applies ~3n² rotations to n-long
// rows, 6n³ scalar flops (7.3 s at n = 2048 in WASM); here the O(n³) part is one product per merge
// of the halves' eigenvector matrices with the merged problem's, which runs on ORT's float64 GEMM,
// and the rest is O(n²) per merge.
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../jobs';

/** Eigen-pairs of one block: values ascending, vectors n×n row-major with column j the j-th vector. */
export interface ColumnEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/** C = A·Bᵀ for row-major A (m×k) and B (n×k). */
export type Multiply = (a: Float64Array, m: number, k: number, b: Float64Array, n: number) => Promise<Float64Array>;

export interface DivideOptions extends JobContext {
  /** Solves blocks up to `leafSize` (the caller's QL iteration). */
  leaf: (d: Float64Array, e: Float64Array) => Promise<ColumnEigen>;
  leafSize: number;
  multiply: Multiply;
  /**
   * C = A·B for row-major A (m×k) and B (k×n). When given, a merge multiplies by row ranges of its
   * rank-one vectors transposed in place instead of a K × m copy of their columns (256 MB at the
   * top merge of n = 8192); the same sums, in an order that may differ by rounding.
   */
  multiplyNN?: Multiply;
  /** Bytes of one row block of a merge's product (default PRODUCT_BLOCK_BYTES; tests use a few KB). */
  productBlockBytes?: number;
  /**
   * At least n² entries that the result's vectors may be written into (the top merge's n² array),
   * instead of a fresh one: eigh hands over its dense → band work matrix, dead by then (512 MB at
   * n = 8192). Its contents are overwritten.
   */
  out?: Float64Array;
}

const EPS = 2 ** -52;

export async function divideAndConquer(d: Float64Array, e: Float64Array, opts: DivideOptions): Promise<ColumnEigen> {
  const n = d.length;
  if (n <= Math.max(2, opts.leafSize)) return opts.leaf(d, e);
  // Only the top merge writes into `out`: the halves below it get fresh arrays.
  const inner = opts.out ? { ...opts, out: undefined } : opts;
  const k = n >> 1;
  const beta = e[k - 1];
  const rho = Math.abs(beta);
  // T = diag(T₁', T₂') + ρ·v·vᵀ with v = e_{k−1} + sign(β)·e_k: the coupling moves onto the diagonal.
  const d1 = d.slice(0, k),
    d2 = d.slice(k);
  d1[k - 1] -= rho;
  d2[0] -= rho;
  // Handed to merge in a box, which it empties once their vectors are in its own n² array.
  const halves: Halves = { left: await divideAndConquer(d1, e.slice(0, k - 1), inner), right: await divideAndConquer(d2, e.slice(k), inner) };
  throwIfCancelled(opts.signal);
  const merged = await merge(halves, rho, beta < 0 ? -1 : 1, opts, opts.productBlockBytes ?? PRODUCT_BLOCK_BYTES, opts.out);
  await yieldToEventLoop();
  return merged;
}

interface Halves {
  left?: ColumnEigen;
  right?: ColumnEigen;
}

/** Bytes of one row block of the merge's product (its rows go straight into the result). */
const PRODUCT_BLOCK_BYTES = 16 * 1024 * 1024;

/**
 * Eigen-pairs of diag(T₁', T₂') + ρ·v·vᵀ from those of T₁' (left) and T₂' (right). Memory at the
 * top merge (n = 8192: 512 MB per n² array): the n² result, which starts as diag(Q₁, Q₂) (the halves
 * are let go once copied into it: spreadHalves is synchronous, so no frame of this async function
 * ever holds them, and V8 keeps an async function's locals, dead or not, across its awaits), the
 * rank-one problem's K² eigenvectors (written over its K² differences; with multiplyNN transposed
 * in place, else beside one K × m copy of the columns of them that a half of the rows needs), and
 * one row block of Qp's entries for the product; the product's rows are written into the result a
 * row block at a time, never held whole.
 */
async function merge(
  halves: Halves,
  rho0: number,
  sign: number,
  { multiply, multiplyNN }: Pick<DivideOptions, 'multiply' | 'multiplyNN'>,
  blockBytes: number,
  out?: Float64Array,
): Promise<ColumnEigen> {
  const { k1, k2, rho, ds, zs, qp, rowsOf } = spreadHalves(halves, rho0, sign, out);
  const n = k1 + k2;

  // Deflation: a negligible z component leaves its pair as it is; two close poles are rotated so
  // that one of them has z = 0 (the rotation's off-diagonal remainder below the tolerance).
  let dMax = 0;
  for (let i = 0; i < n; i++) dMax = Math.max(dMax, Math.abs(ds[i]));
  const tol = 8 * EPS * Math.max(dMax, rho);
  const kept: number[] = [];
  const deflated: number[] = [];
  let prev = -1;
  for (let i = 0; i < n; i++) {
    if (rho * Math.abs(zs[i]) <= tol) {
      deflated.push(i);
      continue;
    }
    if (prev < 0) {
      prev = i;
      continue;
    }
    const r = Math.hypot(zs[prev], zs[i]);
    const c = zs[i] / r,
      s = -zs[prev] / r;
    if (Math.abs((ds[i] - ds[prev]) * c * s) <= tol) {
      // G = [[c, s], [−s, c]] maps (z_prev, z_i) to (0, r); Q ← Q·Gᵀ on those two columns.
      for (let row = 0; row < n; row++) {
        const a = qp[row * n + prev],
          b = qp[row * n + i];
        qp[row * n + prev] = c * a + s * b;
        qp[row * n + i] = -s * a + c * b;
      }
      const dp = ds[prev],
        di = ds[i];
      ds[prev] = c * c * dp + s * s * di;
      ds[i] = s * s * dp + c * c * di;
      zs[prev] = 0;
      zs[i] = r;
      rowsOf[prev] = rowsOf[i] = rowsOf[prev] | rowsOf[i];
      deflated.push(prev);
    } else {
      kept.push(prev);
    }
    prev = i;
  }
  if (prev >= 0) kept.push(prev);
  kept.sort((a, b) => ds[a] - ds[b]);

  const K = kept.length;
  const values = new Float64Array(n);
  let lambda: Float64Array = new Float64Array(0);
  let ut: Float64Array = new Float64Array(0);
  if (K > 0) {
    const dk = Float64Array.from(kept, (i) => ds[i]);
    const zk = Float64Array.from(kept, (i) => zs[i]);
    const roots = rankOneEigen(dk, zk, rho);
    lambda = roots.lambda;
    ut = roots.ut;
  }
  // All eigenvalues ascending: the merged problem's and the deflated ones, with their vectors.
  const all: Array<{ value: number; from: number; kind: 0 | 1 }> = [];
  for (let j = 0; j < K; j++) all.push({ value: lambda[j], from: j, kind: 0 });
  for (const i of deflated) all.push({ value: ds[i], from: i, kind: 1 });
  all.sort((a, b) => a.value - b.value);
  all.forEach((entry, col) => (values[col] = entry.value));
  // Row r of the result: column col is row r of Qp[:, kept]·U for a merged root (from `product`,
  // zero where the row's half has no entries in the kept columns), else Qp's deflated column. It
  // overwrites row r of qp, whose old values go to rowCopy first.
  const rowCopy = new Float64Array(n);
  const writeRow = (row: number, product: Float64Array | undefined, at: number) => {
    const out = row * n;
    rowCopy.set(qp.subarray(out, out + n));
    for (let col = 0; col < n; col++) {
      const entry = all[col];
      qp[out + col] = entry.kind === 1 ? rowCopy[entry.from] : product ? product[at + entry.from] : 0;
    }
  };
  // Qp[:, kept]·U by row halves: the top k1 rows need only the columns with top entries (and U's
  // matching rows), the bottom k2 rows those with bottom entries. Without rotations that halves the
  // flops of the merge's one O(n³) step.
  const step = Math.max(1, Math.floor(blockBytes / (8 * K)));
  // Per half of the rows, the rank-one components (indices into kept) it has entries in, and the
  // rows of B (m×K, row c for component comps[c]) that its product takes: either U's rows of those
  // components after an in-place transpose (components ordered top-only, both, bottom-only, so
  // that each half's are one contiguous range), or a K × m copy of U's columns (A·Bᵀ).
  let halvesComps: number[][];
  let operand: (half: 0 | 1, m: number) => Float64Array;
  if (multiplyNN && K > 0) {
    const order: number[] = [];
    for (const bits of [1, 3, 2]) for (let j = 0; j < K; j++) if (rowsOf[kept[j]] === bits) order.push(j);
    transposeRowsInPlace(ut, K, order);
    const end = (i: number) => (i < 0 ? K : i);
    const topEnd = end(order.findIndex((j) => rowsOf[kept[j]] === 2));
    const bottomStart = end(order.findIndex((j) => (rowsOf[kept[j]] & 2) !== 0));
    halvesComps = [order.slice(0, topEnd), order.slice(bottomStart)];
    operand = (half, m) => (half === 0 ? ut.subarray(0, m * K) : ut.subarray(bottomStart * K, K * K));
  } else {
    halvesComps = ([1, 2] as const).map((bit) => {
      const cols: number[] = [];
      for (let j = 0; j < K; j++) if (rowsOf[kept[j]] & bit) cols.push(j);
      return cols;
    });
    // One buffer for both halves' U columns, each half's in turn.
    const utBuffer = new Float64Array(K * Math.max(halvesComps[0].length, halvesComps[1].length));
    operand = (half, m) => {
      const cols = halvesComps[half];
      const utPart = utBuffer.subarray(0, K * m);
      for (let j = 0; j < K; j++) for (let c = 0; c < m; c++) utPart[j * m + c] = ut[j * K + cols[c]];
      return utPart;
    };
  }
  const widest = Math.max(halvesComps[0].length, halvesComps[1].length);
  const qBuffer = new Float64Array(Math.min(Math.max(k1, k2), step) * widest);
  for (const [half, r0, rows] of [
    [0, 0, k1],
    [1, k1, k2],
  ] as const) {
    const comps = halvesComps[half];
    if (comps.length === 0) {
      for (let r = 0; r < rows; r++) writeRow(r0 + r, undefined, 0);
      continue;
    }
    const m = comps.length;
    const b = operand(half, m);
    for (let c0 = 0; c0 < rows; c0 += step) {
      const c1 = Math.min(rows, c0 + step);
      // This row block's entries in the half's columns, copied before writeRow overwrites its rows.
      const qPart = qBuffer.subarray(0, (c1 - c0) * m);
      for (let r = c0; r < c1; r++) for (let c = 0; c < m; c++) qPart[(r - c0) * m + c] = qp[(r0 + r) * n + kept[comps[c]]];
      const product = multiplyNN ? await multiplyNN(qPart, c1 - c0, m, b, K) : await multiply(qPart, c1 - c0, m, b, K);
      for (let r = c0; r < c1; r++) writeRow(r0 + r, product, (r - c0) * K);
    }
  }
  return { values, vectors: qp };
}

/**
 * The merge's start: the halves' values and vectors placed side by side in sorted order (Qp =
 * diag(Q₁, Q₂) with its columns permuted, n×n row-major, in `out` when given), z = Qᵀ·v normalised,
 * ρ·|z|², and which halves of the rows each column has entries in (1 top, 2 bottom). Empties `halves`.
 */
function spreadHalves(
  halves: Halves,
  rho0: number,
  sign: number,
  out: Float64Array | undefined,
): { k1: number; k2: number; rho: number; ds: Float64Array; zs: Float64Array; qp: Float64Array; rowsOf: Uint8Array } {
  const left = halves.left as ColumnEigen,
    right = halves.right as ColumnEigen;
  halves.left = halves.right = undefined;
  const k1 = left.values.length,
    k2 = right.values.length,
    n = k1 + k2;
  // z = Qᵀ·v: the last row of Q₁ and sign·(first row of Q₂).
  const dAll = new Float64Array(n),
    zAll = new Float64Array(n);
  dAll.set(left.values);
  dAll.set(right.values, k1);
  for (let j = 0; j < k1; j++) zAll[j] = left.vectors[(k1 - 1) * k1 + j];
  for (let j = 0; j < k2; j++) zAll[k1 + j] = sign * right.vectors[j];
  let zz = 0;
  for (let i = 0; i < n; i++) zz += zAll[i] * zAll[i];
  const zNorm = Math.sqrt(zz);

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => dAll[a] - dAll[b]);
  const ds = Float64Array.from(order, (i) => dAll[i]);
  const zs = Float64Array.from(order, (i) => (zNorm > 0 ? zAll[i] / zNorm : 0));
  const qp = out && out.length >= n * n ? out.subarray(0, n * n).fill(0) : new Float64Array(n * n);
  // Row by row (a column-by-column fill would stride through n² memory).
  for (let r = 0; r < k1; r++) {
    for (let c = 0; c < n; c++) if (order[c] < k1) qp[r * n + c] = left.vectors[r * k1 + order[c]];
  }
  for (let r = 0; r < k2; r++) {
    for (let c = 0; c < n; c++) if (order[c] >= k1) qp[(k1 + r) * n + c] = right.vectors[r * k2 + order[c] - k1];
  }
  // Which halves of the rows each column has entries in: 1 top (T₁'s rows), 2 bottom, 3 both
  // (after a deflating rotation mixed a column of each). The final product skips the zero blocks.
  const rowsOf = Uint8Array.from(order, (src) => (src < k1 ? 1 : 2));
  return { k1, k2, rho: rho0 * zz, ds, zs, qp, rowsOf };
}

/**
 * u (K×K row-major) ← its transpose with rows permuted: row p becomes column order[p] of u. In
 * place (a tiled transpose, then the permutation cycle by cycle through one spare row).
 */
export function transposeRowsInPlace(u: Float64Array, K: number, order: number[]): void {
  const TILE = 64;
  for (let i0 = 0; i0 < K; i0 += TILE) {
    for (let j0 = i0; j0 < K; j0 += TILE) {
      for (let i = i0; i < Math.min(K, i0 + TILE); i++) {
        for (let j = Math.max(j0, i + 1); j < Math.min(K, j0 + TILE); j++) {
          const x = u[i * K + j];
          u[i * K + j] = u[j * K + i];
          u[j * K + i] = x;
        }
      }
    }
  }
  // Row p ← row order[p], following each cycle of the permutation once.
  const done = new Uint8Array(K);
  const spare = new Float64Array(K);
  for (let p = 0; p < K; p++) {
    if (done[p] || order[p] === p) continue;
    spare.set(u.subarray(p * K, p * K + K));
    let at = p;
    for (;;) {
      done[at] = 1;
      const src = order[at];
      if (src === p) {
        u.set(spare, at * K);
        break;
      }
      u.copyWithin(at * K, src * K, src * K + K);
      at = src;
    }
  }
}

/** Roots and unit eigenvectors (rows of ut, written over the K×K differences) of diag(d) + ρ·z·zᵀ. */
function rankOneEigen(d: Float64Array, z: Float64Array, rho: number): { lambda: Float64Array; ut: Float64Array } {
  const K = d.length;
  // delta[j·K + i] = d_i − λ_j, each computed from its root's own origin so that it is accurate.
  const delta = new Float64Array(K * K);
  const lambda = solveSecular(d, z, rho, delta);
  return { lambda, ut: eigenvectorsOfRankOne(d, z, rho, delta) };
}

/**
 * The K roots of 1 + ρ·Σ zᵢ²/(dᵢ − λ) = 0 for d ascending (distinct), z ≠ 0, ρ > 0: root j lies in
 * (d_j, d_{j+1}), the last in (d_{K−1}, d_{K−1} + ρ·Σz²). Each is found relative to its nearer pole
 * (λ = d_o + τ), so that d_i − λ = (d_i − d_o) − τ keeps its relative accuracy; written to delta.
 */
function solveSecular(d: Float64Array, z: Float64Array, rho: number, delta: Float64Array): Float64Array {
  const K = d.length;
  const lambda = new Float64Array(K);
  const w = Float64Array.from(z, (x) => rho * x * x);
  let zz = 0;
  for (let i = 0; i < K; i++) zz += z[i] * z[i];
  if (K === 1) {
    // One pole: 1 + w/(d − λ) = 0 at λ = d + w exactly.
    lambda[0] = d[0] + w[0];
    delta[0] = -w[0];
    return lambda;
  }
  const shifted = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    const last = j === K - 1;
    const lo = d[j],
      hi = last ? d[j] + rho * zz : d[j + 1];
    // f at the midpoint decides which pole is nearer the root.
    const mid = 0.5 * (lo + hi);
    let fMid = 1;
    for (let i = 0; i < K; i++) fMid += w[i] / (d[i] - mid);
    const origin = last || fMid >= 0 ? j : j + 1;
    const o = d[origin];
    for (let i = 0; i < K; i++) shifted[i] = d[i] - o;
    // Bracket in τ, with f(a) < 0 < f(b) (f increases between the poles).
    let a = origin === j ? 0 : mid - hi;
    let b = origin === j ? mid - lo : 0;
    if (last) b = hi - o;
    let tau = origin === j ? 0.5 * b : 0.5 * a;
    // Whether b is a point where f ≥ 0 was seen (the root may sit exactly there) rather than a pole.
    let bSeen = origin === j && !last;
    for (let iter = 0; iter < 100; iter++) {
      let psi = 0,
        dpsi = 0,
        phi = 0,
        dphi = 0;
      for (let i = 0; i <= j; i++) {
        const t = 1 / (shifted[i] - tau);
        psi += w[i] * t;
        dpsi += w[i] * t * t;
      }
      for (let i = j + 1; i < K; i++) {
        const t = 1 / (shifted[i] - tau);
        phi += w[i] * t;
        dphi += w[i] * t * t;
      }
      const f = 1 + psi + phi;
      if (Number.isNaN(f)) throw new Error('the divide-and-conquer eigen-solver met a NaN in the secular equation (non-finite or extreme input)');
      if (f < 0) a = tau;
      else {
        b = tau;
        bSeen = true;
      }
      // Stop at f's rounding error (as LAPACK's dlaed4 bounds it), or when the bracket cannot shrink.
      const roundoff = EPS * (1 + 8 * (Math.abs(psi) + Math.abs(phi)) + Math.abs(tau) * (dpsi + dphi));
      if (Math.abs(f) <= roundoff || b - a <= 4 * EPS * Math.max(Math.abs(a), Math.abs(b))) break;
      // Fit p + q/(d_j − λ) to ψ and r + s/(d_{j+1} − λ) to φ at τ (value and slope), solve for the step.
      const da = shifted[j] - tau;
      const q = dpsi * da * da;
      let next: number;
      if (last) {
        const c = 1 + psi - dpsi * da + phi;
        next = c > 0 ? tau + da + q / c : NaN;
      } else {
        const db = shifted[j + 1] - tau;
        const s = dphi * db * db;
        const c = 1 + (psi - dpsi * da) + (phi - dphi * db);
        const b1 = c * (da + db) + q + s;
        const c0 = da * db * f;
        // c·η² − b1·η + c0 = 0: of its two roots, the one between the two poles (da < η < db).
        let eta = NaN;
        if (c === 0) {
          eta = c0 / b1;
        } else {
          const disc = b1 * b1 - 4 * c * c0;
          if (disc >= 0) {
            const big = b1 + (b1 >= 0 ? 1 : -1) * Math.sqrt(disc);
            const r1 = big / (2 * c),
              r2 = big !== 0 ? (2 * c0) / big : NaN;
            eta = r2 > da && r2 < db ? r2 : r1 > da && r1 < db ? r1 : NaN;
          }
        }
        next = tau + eta;
      }
      // Outside the bracket (or no real step): bisect instead.
      // A root at the midpoint of its interval (symmetric spectra) is reached exactly at b.
      tau = next > a && (next < b || (bSeen && next === b)) ? next : 0.5 * (a + b);
    }
    lambda[j] = o + tau;
    for (let i = 0; i < K; i++) delta[j * K + i] = shifted[i] - tau;
  }
  return lambda;
}

/**
 * Unit eigenvectors of diag(d) + ρ·ẑ·ẑᵀ (K×K row-major, row j for λ_j), where ẑ is recomputed
 * from the computed roots (Gu & Eisenstat): the exact eigenvectors of a problem within rounding of
 * the given one, hence orthogonal to working precision however close the roots are.
 */
function eigenvectorsOfRankOne(d: Float64Array, z: Float64Array, rho: number, delta: Float64Array): Float64Array {
  const K = d.length;
  // ẑᵢ² = Πⱼ(λⱼ − dᵢ) / (ρ·Π_{m≠i}(d_m − dᵢ)): λⱼ paired with d_j for j < i, with d_{j+1} for
  // i ≤ j < K − 1, and the last root with ρ. Accumulated for all i at once, one root (one row of
  // delta, delta[j·K + i] = dᵢ − λⱼ) at a time.
  const p = new Float64Array(K);
  const last = (K - 1) * K;
  for (let i = 0; i < K; i++) p[i] = -delta[last + i] / rho;
  for (let j = 0; j < K - 1; j++) {
    const row = j * K;
    for (let i = 0; i < K; i++) p[i] *= -delta[row + i] / (i > j ? d[j] - d[i] : d[j + 1] - d[i]);
  }
  const zHat = new Float64Array(K);
  for (let i = 0; i < K; i++) zHat[i] = Math.sign(z[i]) * Math.sqrt(Math.max(0, p[i]));
  // Entry (j, i) of the vectors needs only entry (j, i) of delta, which is not read again: they
  // share the K² array (K = n at the top merge: 512 MB at n = 8192).
  const ut = delta;
  for (let j = 0; j < K; j++) {
    const row = j * K;
    // Scaled by the largest entry before squaring: with differences below ~1e-154 the squares
    // would overflow and the vector would come out zero.
    let big = 0;
    for (let i = 0; i < K; i++) {
      const x = zHat[i] / delta[row + i];
      ut[row + i] = x;
      big = Math.max(big, Math.abs(x));
    }
    let norm = 0;
    for (let i = 0; i < K; i++) norm += (ut[row + i] / big) ** 2;
    const inv = 1 / (big * Math.sqrt(norm));
    for (let i = 0; i < K; i++) ut[row + i] *= inv;
  }
  return ut;
}

/** A·Bᵀ in plain JS (row-major A m×k, B n×k), for blocks too small to be worth an ORT call. */
export async function multiplyPlain(a: Float64Array, m: number, k: number, b: Float64Array, n: number): Promise<Float64Array> {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      c[i * n + j] = s;
    }
  }
  return c;
}

/** A·B in plain JS (row-major A m×k, B k×n), each sum in the order of k as multiplyPlain's. */
export async function multiplyPlainNN(a: Float64Array, m: number, k: number, b: Float64Array, n: number): Promise<Float64Array> {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}
