// Eigenvalues and eigenvectors of a symmetric tridiagonal matrix, the last stage of eigh and usable
// on its own (closed-form tests use the 1-2-1 matrix): values by the square-root-free QL/QR in WASM;
// vectors by implicit QL with rotations in WASM up to DIVIDE_MIN, by divide and conquer above it
// (tridiagonalDivide.ts), whose products run on ORT's float64 GEMM.
import { JobContext, throwIfCancelled, yieldToEventLoop } from '../jobs';
import { divideAndConquer, multiplyPlain, multiplyPlainNN, type ColumnEigen } from './tridiagonalDivide';
import { product, reductionSessions } from './reductionGraphs';
import { WasmWorkspace } from './wasm/linalgWasm';
import { transpose } from './matrix';

/**
 * Orders above which vectors come from divide and conquer; its leaves are QL blocks of up to
 * DIVIDE_LEAF. (QL with vectors costs ~6n³ scalar flops: 7.3 s at n = 2048, against 0.6 s.)
 */
export const DIVIDE_MIN = 96;
export const DIVIDE_LEAF = 48;
/** Products smaller than this many multiply-adds run in JS rather than through an ORT call. */
const ORT_PRODUCT_MIN = 1 << 21;

export interface TridiagonalEigen {
  /** Ascending. */
  values: Float64Array;
  /** n×n row-major; row i is the unit eigenvector of values[i] (vectors asked for, default layout). */
  vectorRows?: Float64Array;
  /** n×n row-major; column i is the unit eigenvector of values[i] (vectors asked for with `columns`). */
  vectorColumns?: Float64Array;
}

/** Vectors in the layout asked for: rows (default) or columns (what eigh's back-transformation takes). */
function withVectors(
  values: Float64Array,
  rows: Float64Array | undefined,
  columns: Float64Array | undefined,
  n: number,
  wantColumns: boolean,
): TridiagonalEigen {
  const flip = (a: Float64Array) => transpose({ rows: n, cols: n, data: a }).data;
  if (wantColumns) return { values, vectorColumns: columns ?? flip(rows as Float64Array) };
  return { values, vectorRows: rows ?? flip(columns as Float64Array) };
}

function notConverged(n: number): Error {
  return new Error(`the tridiagonal eigenvalue iteration did not converge for a matrix of order ${n} (does the input contain NaN or Inf?)`);
}

/** Work per slice between cancellation checks, in rotations·row-length units. */
const SLICE_WORK = 1 << 24;

export interface TridiagonalOptions extends JobContext {
  vectors?: boolean;
  columns?: boolean;
  ws?: WasmWorkspace;
  threads?: number;
  divideMin?: number;
  /**
   * n² entries the vectors may be written into instead of a fresh array (divide and conquer's
   * result, columns layout): the caller's dead work matrix. Overwritten; the result's vectors are
   * then a view on it.
   */
  out?: Float64Array;
}

/**
 * diagonal has n entries, offDiagonal n − 1 (offDiagonal[i] couples i and i + 1). Inputs are not
 * modified. With ws given, its memory is used (the caller owns the instance).
 */
export async function tridiagonalEigen(diagonal: Float64Array, offDiagonal: Float64Array, opts: TridiagonalOptions = {}): Promise<TridiagonalEigen> {
  const n = diagonal.length;
  if (offDiagonal.length !== Math.max(0, n - 1)) {
    throw new Error(`a tridiagonal matrix of order ${n} has ${Math.max(0, n - 1)} off-diagonal entries, got ${offDiagonal.length}`);
  }
  if (n === 0)
    return opts.vectors ? withVectors(new Float64Array(0), new Float64Array(0), undefined, 0, opts.columns === true) : { values: new Float64Array(0) };
  if (opts.vectors && n > (opts.divideMin ?? DIVIDE_MIN)) return byDivideAndConquer(diagonal, offDiagonal, opts);
  const ws = opts.ws ?? new WasmWorkspace();
  const mark = ws.mark();
  try {
    const dPtr = ws.allocF64(n);
    const ePtr = ws.allocF64(n);
    const ztPtr = opts.vectors ? ws.allocF64(n * n) : 0;
    ws.f64(dPtr, n).set(diagonal);
    ws.f64(ePtr, n).set(offDiagonal);
    if (opts.vectors) {
      const zt = ws.f64(ztPtr, n * n);
      zt.fill(0);
      for (let i = 0; i < n; i++) zt[i * n + i] = 1;
    }
    if (opts.vectors) {
      // QL deflates one eigenvalue per outer step, each O(n²) with vectors: run it in slices.
      const step = Math.max(1, Math.floor(SLICE_WORK / (n * n)));
      for (let l0 = 0; l0 < n; l0 += step) {
        throwIfCancelled(opts.signal);
        const failed = ws.fn.tridiagonalQL(dPtr, ePtr, n, l0, Math.min(n, l0 + step), ztPtr);
        if (failed >= 0) throw notConverged(n);
        if (l0 + step < n) await yieldToEventLoop();
      }
    } else {
      throwIfCancelled(opts.signal);
      if (ws.fn.tridiagonalValues(dPtr, ePtr, n, ws.allocF64(2)) !== 0) throw notConverged(n);
    }
    const raw = ws.f64(dPtr, n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => raw[a] - raw[b]);
    const values = Float64Array.from(order, (i) => raw[i]);
    if (!opts.vectors) return { values };
    const zt = ws.f64(ztPtr, n * n);
    const vectorRows = new Float64Array(n * n);
    order.forEach((from, to) => vectorRows.set(zt.subarray(from * n, from * n + n), to * n));
    return withVectors(values, vectorRows, undefined, n, opts.columns === true);
  } finally {
    ws.release(mark);
  }
}

/** Vectors by divide and conquer, leaves by the QL iteration; rows of the result are the vectors. */
async function byDivideAndConquer(diagonal: Float64Array, offDiagonal: Float64Array, opts: TridiagonalOptions): Promise<TridiagonalEigen> {
  const n = diagonal.length;
  for (let i = 0; i < n; i++) if (!Number.isFinite(diagonal[i]) || (i < n - 1 && !Number.isFinite(offDiagonal[i]))) throw notConverged(n);
  const sessions = await reductionSessions(opts.threads);
  const leaf = async (d: Float64Array, e: Float64Array): Promise<ColumnEigen> => {
    // Each leaf rescaled to its own size: a small block of a graded matrix would otherwise sit near
    // underflow after the whole matrix's scaling, where the QL iteration loses accuracy or stalls.
    const k = unitScale(d, e);
    const r = await tridiagonalEigen(
      d.map((x) => x / k),
      e.map((x) => x / k),
      { vectors: true, columns: true, ws: opts.ws, divideMin: Infinity, signal: opts.signal },
    );
    return { values: r.values.map((x) => x * k), vectors: r.vectorColumns as Float64Array };
  };
  const multiply = (a: Float64Array, m: number, k: number, b: Float64Array, cols: number) =>
    m * k * cols < ORT_PRODUCT_MIN ? multiplyPlain(a, m, k, b, cols) : product(sessions, 'nt', a, m, k, b, cols, k);
  const multiplyNN = (a: Float64Array, m: number, k: number, b: Float64Array, cols: number) =>
    m * k * cols < ORT_PRODUCT_MIN ? multiplyPlainNN(a, m, k, b, cols) : product(sessions, 'nn', a, m, k, b, k, cols);
  // Scaled to max |entry| ≈ 1 (as LAPACK's dstedc does): the secular equation's sums and the
  // vectors' norms would otherwise overflow or underflow for matrices of order 1e±150.
  const scale = unitScale(diagonal, offDiagonal);
  const r = await divideAndConquer(
    diagonal.map((x) => x / scale),
    offDiagonal.map((x) => x / scale),
    // In columns layout the top merge's array is the result itself, so it may be the caller's.
    { leaf, leafSize: DIVIDE_LEAF, multiply, multiplyNN, signal: opts.signal, out: opts.columns ? opts.out : undefined },
  );
  return withVectors(
    r.values.map((x) => x * scale),
    undefined,
    r.vectors,
    n,
    opts.columns === true,
  );
}

/**
 * The power of two nearest the largest |entry| of the tridiagonal (d, e), 1 for a zero matrix:
 * dividing by it is exact, and it is kept finite (2^1024 would overflow).
 */
function unitScale(d: Float64Array, e: Float64Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s = Math.max(s, Math.abs(d[i]), i < e.length ? Math.abs(e[i]) : 0);
  return s > 0 ? 2 ** Math.max(-1022, Math.min(1023, Math.round(Math.log2(s)))) : 1;
}
