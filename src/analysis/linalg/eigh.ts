// Symmetric eigen-decomposition A = Q·diag(λ)·Qᵀ in three stages, because ORT has no eigen op:
//   1. dense → band (half-bandwidth BAND) by blocked Householder panels; every O(n³) product is a
//      float64 ORT Gemm (denseToBand.ts),
//   2. band → tridiagonal by bulge chasing in WASM, O(n²·BAND) on data that stays in cache,
//   3. tridiagonal eigenvalues in WASM (square-root-free QL/QR; QL with rotations for vectors).
// Eigenvectors, on request, are transformed back through stages 2 (WASM) and 1 (ORT Gemms).
// Matrices up to DENSE_MAX skip stage 1: a dense matrix is a band of width n − 1, and for small n
// the WASM bulge chase beats the ORT call overheads.
import { JobContext, Progress } from '../jobs';
import { Matrix, Matrix64 } from './matrix';
import { bandToTridiagonal, applyBandReflectors, emptyBand, SymmetricBand, BandReflectors } from './bandToTridiagonal';
import { denseToBand, ReflectorBlock } from './denseToBand';
import { reductionSessions, ReductionSessions, f64Tensor, product } from './reductionGraphs';
import { tridiagonalEigen } from './tridiagonal';
import { WasmWorkspace } from './wasm/linalgWasm';
import { symmetricView } from './symmetricInput';
import type { Engine } from '../engine/engine';

/** Half-bandwidth after stage 1: stage 2 costs ∝ BAND, stage 1's GEMMs get thin below ~32. */
export const BAND = 32;
/**
 * Panels between rewrites of the trailing matrix (block width BAND·PANELS_PER_BLOCK). More panels
 * mean fewer passes over the matrix but larger in-block corrections; 12 measured faster than 8
 * at n = 2048 once a panel's two corrections became one Gemm.
 */
export const PANELS_PER_BLOCK = 12;
/** Up to this order everything runs in WASM. */
export const DENSE_MAX = 384;

export interface EighOptions extends JobContext {
  vectors?: boolean;
  /** Supplies the intra-op thread count for the float64 GEMMs (which always run on ORT's CPU EP). */
  engine?: Engine;
  /**
   * Overrides of BAND, PANELS_PER_BLOCK, DENSE_MAX and denseToBand's SPLIT_MIN, for tests (small
   * sizes through every path) and benchmarks.
   */
  tuning?: { band?: number; panelsPerBlock?: number; denseMax?: number; splitMin?: number };
}

export interface EighResult {
  /** Ascending. */
  values: Float64Array;
  /** n×n; column i is the unit eigenvector of values[i]. */
  vectors?: Matrix64;
}

export async function eigh(A: Matrix | Matrix64, opts: EighOptions = {}): Promise<EighResult> {
  // Read-only from here on: it may be the caller's own array.
  const a = symmetricView(A, 'eigh');
  const n = A.rows;
  if (n === 0) return { values: new Float64Array(0), vectors: opts.vectors ? { rows: 0, cols: 0, data: new Float64Array(0) } : undefined };
  const ws = new WasmWorkspace();
  const bandWidth = Math.max(1, Math.floor(opts.tuning?.band ?? BAND));
  const panelsPerBlock = Math.max(1, Math.floor(opts.tuning?.panelsPerBlock ?? PANELS_PER_BLOCK));
  const denseMax = Math.max(bandWidth + 1, opts.tuning?.denseMax ?? DENSE_MAX);
  const progress = phasedProgress(opts.onProgress, n > denseMax);
  let band: SymmetricBand;
  let blocks: ReflectorBlock[] | undefined;
  let sessions: ReductionSessions | undefined;
  if (n <= denseMax) {
    band = emptyBand(n, n - 1);
    for (let j = 0; j < n; j++) band.data.set(a.subarray(j * n + j, j * n + n), j * band.ld);
  } else {
    sessions = await reductionSessions(engineThreads(opts.engine));
    const stage1 = await denseToBand(a, n, {
      b: bandWidth,
      panelsPerBlock,
      splitMin: opts.tuning?.splitMin,
      keepReflectors: opts.vectors,
      sessions,
      ws,
      signal: opts.signal,
      onProgress: progress('dense → band'),
    });
    band = stage1.band;
    blocks = stage1.blocks;
  }
  const tri = await bandToTridiagonal(band, { keepReflectors: opts.vectors, ws, signal: opts.signal, onProgress: progress('band → tridiagonal') });
  const eig = await tridiagonalEigen(tri.diagonal, tri.offDiagonal, {
    vectors: opts.vectors,
    columns: true,
    ws,
    threads: engineThreads(opts.engine),
    signal: opts.signal,
  });
  if (!opts.vectors) return { values: eig.values };
  // Column i is the tridiagonal form's eigenvector i; the back-transformations turn it into A's.
  const y = eig.vectorColumns as Float64Array;
  await applyBandReflectors(tri.reflectors as BandReflectors, y, n, n, { ws, signal: opts.signal });
  if (blocks && sessions) await applyReflectorBlocks(blocks, y, n, sessions);
  return { values: eig.values, vectors: { rows: n, cols: n, data: y } };
}

function engineThreads(engine: Engine | undefined): number | undefined {
  const threads = engine?.info.threads;
  return typeof threads === 'number' && threads > 0 ? threads : undefined;
}

/**
 * Y ← Q₁·Y for stage 1's reflector blocks (last block first), Y n×k row-major. Each block is
 * I − Vᵀ·T·V with T built from the Gram matrix V·Vᵀ (LAPACK dlarft, forward, row-wise V).
 */
async function applyReflectorBlocks(blocks: ReflectorBlock[], y: Float64Array, k: number, sessions: ReductionSessions): Promise<void> {
  for (let bi = blocks.length - 1; bi >= 0; bi--) {
    const { offset, m, v, q, panelT } = blocks[bi];
    const gram = await product(sessions, 'nt', v, q, m, v, q, m);
    const b = panelT[0].length === 0 ? 0 : Math.round(Math.sqrt(panelT[0].length));
    const t = blockT(gram, q, panelT, b);
    const sub = y.subarray(offset * k, (offset + m) * k);
    const out = new Float64Array(m * k);
    await sessions.blockReflector.run({ V: f64Tensor(v, q, m), T: f64Tensor(t, q, q), Y: f64Tensor(sub, m, k) }, { out: f64Tensor(out, m, k) });
    sub.set(out);
  }
}

/** T (q×q upper triangular) with H₀·…·H_{q−1} = I − Vᵀ·T·V, from G = V·Vᵀ and the panels' τ. */
function blockT(gram: Float64Array, q: number, panelT: Float64Array[], b: number): Float64Array {
  const t = new Float64Array(q * q);
  const x = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    const tau = panelT[Math.floor(i / b)][(i % b) * b + (i % b)];
    t[i * q + i] = tau;
    if (tau === 0) continue;
    for (let c = 0; c < i; c++) x[c] = -tau * gram[c * q + i];
    for (let r = 0; r < i; r++) {
      let s = 0;
      for (let c = r; c < i; c++) s += t[r * q + c] * x[c];
      t[r * q + i] = s;
    }
  }
  return t;
}

/** Maps each stage's own progress onto one 0..1000 scale (stage 1 dominates when it runs). */
function phasedProgress(report: ((p: Progress) => void) | undefined, withStage1: boolean) {
  const spans: Record<string, [number, number]> = withStage1
    ? { 'dense → band': [0, 700], 'band → tridiagonal': [700, 950] }
    : { 'band → tridiagonal': [0, 950] };
  return (phase: string) => (p: Progress) => {
    const [lo, hi] = spans[phase];
    report?.({ done: Math.round(lo + ((hi - lo) * p.done) / Math.max(1, p.total)), total: 1000, message: phase });
  };
}
