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
import { reductionSessions, ReductionSessions, f64Tensor, indexTensor, product } from './reductionGraphs';
import { tridiagonalEigen } from './tridiagonal';
import { WasmWorkspace } from './wasm/linalgWasm';
import { symmetricView } from './symmetricInput';
import type { Engine } from '../engine/engine';
import { memoryMark } from './memoryMarks';
import { releaseScratch } from './scratchPool';

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
  /**
   * The input is the caller's to lose: the reduction overwrites its float64 data instead of
   * working in a copy (8n² bytes fewer: 512 MB at n = 8192). Default false.
   */
  overwrite?: boolean;
  /** Supplies the intra-op thread count for the float64 GEMMs (which always run on ORT's CPU EP). */
  engine?: Engine;
  /**
   * Overrides of BAND, PANELS_PER_BLOCK, DENSE_MAX, denseToBand's SPLIT_MIN and the bytes of the
   * row blocks through which stage 1 and its back-transformation write their results (32 MiB), for
   * tests (small sizes through every path) and benchmarks.
   */
  tuning?: { band?: number; panelsPerBlock?: number; denseMax?: number; splitMin?: number; rowBlockBytes?: number };
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
  // Stage 1's n² work matrix, dead once the band is formed: the tridiagonal eigenvectors are
  // written into it (512 MB at n = 8192 that would otherwise be a second n² array beside it).
  let spare: Float64Array | undefined;
  if (n <= denseMax) {
    band = emptyBand(n, n - 1);
    for (let j = 0; j < n; j++) band.data.set(a.subarray(j * n + j, j * n + n), j * band.ld);
  } else {
    sessions = await reductionSessions(engineThreads(opts.engine));
    memoryMark('eigh: dense → band');
    // Stage 1 works in the matrix itself: symmetricView's copy is ours, the caller's array only when given up.
    const work = a !== A.data || opts.overwrite ? a : a.slice();
    const stage1 = await denseToBand(work, n, {
      b: bandWidth,
      panelsPerBlock,
      splitMin: opts.tuning?.splitMin,
      rowBlockBytes: opts.tuning?.rowBlockBytes,
      keepReflectors: opts.vectors,
      sessions,
      ws,
      signal: opts.signal,
      onProgress: progress('dense → band'),
    });
    band = stage1.band;
    blocks = stage1.blocks;
    if (opts.vectors) {
      spare = work;
      // The vector stages allocate several n² arrays of their own; stage 1's pooled work buffers
      // (≈ 0.45·8n² bytes at n = 8192) would only sit beside them until the pool's idle timeout.
      releaseScratch();
    }
  }
  memoryMark('eigh: band → tridiagonal');
  const tri = await bandToTridiagonal(band, { keepReflectors: opts.vectors, ws, signal: opts.signal, onProgress: progress('band → tridiagonal') });
  memoryMark('eigh: tridiagonal');
  const eig = await tridiagonalEigen(tri.diagonal, tri.offDiagonal, {
    vectors: opts.vectors,
    columns: true,
    ws,
    threads: engineThreads(opts.engine),
    signal: opts.signal,
    out: spare,
  });
  if (!opts.vectors) return { values: eig.values };
  // Column i is the tridiagonal form's eigenvector i; the back-transformations turn it into A's.
  const y = eig.vectorColumns as Float64Array;
  memoryMark('eigh: back through band → tridiagonal');
  await applyBandReflectors(tri.reflectors as BandReflectors, y, n, n, { ws, signal: opts.signal });
  memoryMark('eigh: back through dense → band');
  if (blocks && sessions) await applyReflectorBlocks(blocks, y, n, sessions, opts.tuning?.rowBlockBytes);
  return { values: eig.values, vectors: { rows: n, cols: n, data: y } };
}

function engineThreads(engine: Engine | undefined): number | undefined {
  const threads = engine?.info.threads;
  return typeof threads === 'number' && threads > 0 ? threads : undefined;
}

/** Bytes of the row block through which a reflector block's update reaches Y. */
const ROW_BLOCK_BYTES = 32 * 1024 * 1024;

/**
 * Y ← Q₁·Y for stage 1's reflector blocks (last block first), Y n×k row-major. Each block is
 * I − Vᵀ·T·V with T built from the Gram matrix V·Vᵀ (LAPACK dlarft, forward, row-wise V); Y's rows
 * are updated a row block at a time from Z = T·V·Y, so the work memory is q×k plus one row block,
 * never another n×k matrix (512 MB at n = 8192).
 */
async function applyReflectorBlocks(
  blocks: ReflectorBlock[],
  y: Float64Array,
  k: number,
  sessions: ReductionSessions,
  rowBlockBytes = ROW_BLOCK_BYTES,
): Promise<void> {
  const height = Math.max(1, Math.floor(rowBlockBytes / (8 * Math.max(1, k))));
  // Sized for the first block, the largest (its m is the whole order).
  const rows = new Float64Array(Math.min(blocks[0]?.m ?? 0, height) * k);
  // V·Y and Z = T·(V·Y), q×k each, in arrays of ours: as onnxruntime's own results they were fresh
  // allocations on every block (24 MiB each at n = 8192), which the C library's per-thread heaps keep.
  const widest = blocks.reduce((w, blk) => Math.max(w, blk.q), 0);
  const vyBuffer = new Float64Array(widest * k);
  const zBuffer = new Float64Array(widest * k);
  for (let bi = blocks.length - 1; bi >= 0; bi--) {
    const { offset, m, v, q, panelT } = blocks[bi];
    const gram = await product(sessions, 'nt', v, q, m, v, q, m);
    const b = panelT[0].length === 0 ? 0 : Math.round(Math.sqrt(panelT[0].length));
    const t = blockT(gram, q, panelT, b);
    const sub = y.subarray(offset * k, (offset + m) * k);
    const V = f64Tensor(v, q, m);
    const vy = vyBuffer.subarray(0, q * k);
    const z = zBuffer.subarray(0, q * k);
    await sessions.productNN.run({ A: V, B: f64Tensor(sub, m, k) }, { out: f64Tensor(vy, q, k) });
    await sessions.productNN.run({ A: f64Tensor(t, q, q), B: f64Tensor(vy, q, k) }, { out: f64Tensor(z, q, k) });
    const Z = f64Tensor(z, q, k);
    for (let r0 = 0; r0 < m; r0 += height) {
      const r1 = Math.min(m, r0 + height);
      const target = sub.subarray(r0 * k, r1 * k);
      const out = rows.subarray(0, (r1 - r0) * k);
      await sessions.reflectorRows.run(
        { V, Z, Y: f64Tensor(target, r1 - r0, k), start: indexTensor(r0), end: indexTensor(r1) },
        { out: f64Tensor(out, r1 - r0, k) },
      );
      target.set(out);
    }
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
