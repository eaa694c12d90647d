// Eigen-decomposition of the smaller Gram matrix of W (W·Wᵀ when W is wide, Wᵀ·W when tall), the
// shared first step of singular values, singular vectors and the pseudo-inverse. The Gram matrix is
// accumulated in float64 over slices of W's long dimension: products of float32 values are exact
// in float64, so the Gram matrix carries no rounding beyond the sums.
import { JobContext, throwIfCancelled } from '../jobs';
import { Matrix, Matrix64 } from './matrix';
import { eigh } from './eigh';
import { reductionSessions, ReductionSessions, f32Tensor, indexTensor } from './reductionGraphs';
import { checkShape, checkFinite } from './symmetricInput';
import type { Engine } from '../engine/engine';

export interface GramOptions extends JobContext {
  engine?: Engine;
}

export interface GramEigen {
  /** 'rows': G = W·Wᵀ (m×m, W wide or square); 'cols': G = Wᵀ·W (n×n, W tall). */
  side: 'rows' | 'cols';
  /** Ascending eigenvalues of G, i.e. squared singular values of W. */
  values: Float64Array;
  vectors?: Matrix64;
  sessions: ReductionSessions;
}

/** Float64 bytes of one slice of W cast inside ORT (at most a quarter of the engine's budget). */
const SLICE_BYTES = 256 * 1024 * 1024;

export function gramSide(W: Matrix): 'rows' | 'cols' {
  return W.rows <= W.cols ? 'rows' : 'cols';
}

export async function gramMatrix(W: Matrix, sessions: ReductionSessions, ctx: GramOptions = {}): Promise<Matrix64> {
  const side = gramSide(W);
  const g = side === 'rows' ? W.rows : W.cols;
  const long = side === 'rows' ? W.cols : W.rows;
  const sliceBytes = Math.min(SLICE_BYTES, (ctx.engine?.memoryBudgetBytes ?? Infinity) / 4);
  const step = Math.max(1, Math.floor(sliceBytes / (8 * Math.max(1, g))));
  const session = side === 'rows' ? sessions.gramRows : sessions.gramCols;
  let sum: Float64Array | undefined;
  for (let s = 0; s < long; s += step) {
    throwIfCancelled(ctx.signal);
    const e = Math.min(long, s + step);
    const result = await session.run({ W: f32Tensor(W.data, W.rows, W.cols), start: indexTensor(s), end: indexTensor(e) });
    const part = result.out.data as Float64Array;
    if (!sum) sum = part;
    else for (let i = 0; i < part.length; i++) sum[i] += part[i];
  }
  return { rows: g, cols: g, data: sum ?? new Float64Array(g * g) };
}

export async function gramEigen(W: Matrix, what: string, vectors: boolean, opts: GramOptions = {}): Promise<GramEigen> {
  checkShape(W, what);
  if (!(W.data instanceof Float32Array)) throw new Error(`${what}: expects a float32 Matrix`);
  checkFinite(W, what);
  const threads = opts.engine?.info.threads;
  const sessions = await reductionSessions(typeof threads === 'number' && threads > 0 ? threads : undefined);
  const side = gramSide(W);
  if (W.rows === 0 || W.cols === 0) {
    const g = side === 'rows' ? W.rows : W.cols;
    return { side, values: new Float64Array(g), vectors: vectors ? identity(g) : undefined, sessions };
  }
  const gram = await gramMatrix(W, sessions, opts);
  const eig = await eigh(gram, { vectors, engine: opts.engine, signal: opts.signal, onProgress: opts.onProgress });
  return { side, values: eig.values, vectors: eig.vectors, sessions };
}

function identity(n: number): Matrix64 {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { rows: n, cols: n, data };
}
