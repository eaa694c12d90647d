// Eigenvalues and eigenvectors of a symmetric tridiagonal matrix (in WASM: square-root-free QL/QR
// for values, implicit QL with rotations for vectors), the last
// stage of eigh and usable on its own (closed-form tests use the 1-2-1 matrix).
import { JobContext, throwIfCancelled, yieldToEventLoop } from '../jobs';
import { WasmWorkspace } from './wasm/linalgWasm';

export interface TridiagonalEigen {
  /** Ascending. */
  values: Float64Array;
  /** n×n row-major; row i is the unit eigenvector of values[i] (present when asked for). */
  vectorRows?: Float64Array;
}

function notConverged(n: number): Error {
  return new Error(`the tridiagonal eigenvalue iteration did not converge for a matrix of order ${n} (does the input contain NaN or Inf?)`);
}

/** Work per slice between cancellation checks, in rotations·row-length units. */
const SLICE_WORK = 1 << 24;

/**
 * diagonal has n entries, offDiagonal n − 1 (offDiagonal[i] couples i and i + 1). Inputs are not
 * modified. With ws given, its memory is used (the caller owns the instance).
 */
export async function tridiagonalEigen(
  diagonal: Float64Array,
  offDiagonal: Float64Array,
  opts: { vectors?: boolean; ws?: WasmWorkspace } & JobContext = {},
): Promise<TridiagonalEigen> {
  const n = diagonal.length;
  if (offDiagonal.length !== Math.max(0, n - 1)) {
    throw new Error(`a tridiagonal matrix of order ${n} has ${Math.max(0, n - 1)} off-diagonal entries, got ${offDiagonal.length}`);
  }
  if (n === 0) return { values: new Float64Array(0), vectorRows: opts.vectors ? new Float64Array(0) : undefined };
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
    return { values, vectorRows };
  } finally {
    ws.release(mark);
  }
}
