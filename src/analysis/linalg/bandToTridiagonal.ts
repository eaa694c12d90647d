// Stage two of the symmetric eigen-decomposition: band → tridiagonal by bulge chasing in WASM, and
// the matching back-transformation of eigenvectors. O(n²·b) flops on an n×(2b+1) band that stays in
// cache, which is why stage one (dense → band, all GEMMs) stops at a small bandwidth.
import { JobContext, throwIfCancelled, yieldToEventLoop } from '../jobs';
import { WasmWorkspace } from './wasm/linalgWasm';
import { leaseSweepHelper } from './wasm/sweepHelper';

/** Lower band of a symmetric matrix: element (r, c), 0 ≤ r − c ≤ b, at data[c·ld + r − c]. */
export interface SymmetricBand {
  n: number;
  /** Half-bandwidth: entries with |r − c| > b are zero. */
  b: number;
  /** Column stride; ≥ min(2b + 1, n) so the bulge fits. */
  ld: number;
  data: Float64Array;
}

export function bandLeadingDimension(n: number, b: number): number {
  return Math.max(1, Math.min(2 * b + 1, n));
}

export function emptyBand(n: number, b: number): SymmetricBand {
  const ld = bandLeadingDimension(n, b);
  return { n, b, ld, data: new Float64Array(n * ld) };
}

/** Reflectors recorded by the bulge chasing, in the order they were applied. */
export interface BandReflectors {
  count: number;
  b: number;
  rows: Int32Array;
  lengths: Int32Array;
  taus: Float64Array;
  /** count × b; reflector q's vector (unit first entry) starts at q·b. */
  vectors: Float64Array;
  /**
   * Set when the arrays above are views on the caller's workspace (bandToTridiagonal given a `ws`):
   * where they lie in it, so that applyBandReflectors on the same workspace reads them in place.
   * At n = 8192 they are 8n² bytes (512 MB), which would otherwise exist three times: in the
   * workspace, copied out to JavaScript and copied back in.
   */
  workspace?: { ws: WasmWorkspace; rows: number; lengths: number; taus: number; vectors: number };
}

export interface TridiagonalForm {
  diagonal: Float64Array;
  offDiagonal: Float64Array;
  reflectors?: BandReflectors;
}

/** Reflectors of sweep i: one per chase step (the sweep's column, then one per block below). */
function sweepReflectors(n: number, b: number, i: number): number {
  const ed = Math.min(i + b, n - 1);
  if (ed - i < 2) return 0;
  return 1 + Math.ceil((n - 1 - ed) / b);
}

/** Sweeps per WASM call between cancellation checks (~2²⁴ flops each). */
function sweepsPerSlice(n: number, b: number, threads: number): number {
  return Math.max(threads, Math.floor((threads << 24) / Math.max(1, 6 * n * b)));
}

/** Two threads pay off once sweeps are long (many chase steps) and the band is narrow. */
function wantsHelper(n: number, b: number): boolean {
  return n >= 512 && 4 * b <= n;
}

export async function bandToTridiagonal(
  band: SymmetricBand,
  opts: { keepReflectors?: boolean; ws?: WasmWorkspace; singleThread?: boolean } & JobContext = {},
): Promise<TridiagonalForm> {
  const { n, b, ld } = band;
  if (ld < bandLeadingDimension(n, b))
    throw new Error(`band storage of order ${n} and bandwidth ${b} needs leading dimension ≥ ${bandLeadingDimension(n, b)}, got ${ld}`);
  const ws = opts.ws ?? new WasmWorkspace();
  const keep = opts.keepReflectors === true;
  let count = 0;
  if (keep && b > 1) for (let i = 0; i < n; i++) count += sweepReflectors(n, b, i);
  const width = Math.max(1, b);
  // In the caller's workspace the reflectors stay where they are written (below the mark, so they
  // outlive this call) for applyBandReflectors; in a workspace of this call's own they are copied out.
  const inPlace = keep && opts.ws !== undefined;
  const allocReflectors = () => ({ rows: ws.alloc(count * 4), lengths: ws.alloc(count * 4), taus: ws.allocF64(count), vectors: ws.allocF64(count * width) });
  const kept = inPlace ? allocReflectors() : undefined;
  // Leased for this whole call: the sweep split (odd/even) is fixed by `threads` from here on.
  const helper = !opts.singleThread && b > 1 && wantsHelper(n, b) ? await leaseSweepHelper() : undefined;
  const threads = helper ? 2 : 1;
  const mark = ws.mark();
  /** The helper's slice in flight, if any: it must end before its memory is released. */
  let inFlight: Promise<unknown> | undefined;
  try {
    const abPtr = ws.allocF64(n * ld);
    ws.f64(abPtr, n * ld).set(band.data);
    const scratch = Array.from({ length: threads }, () => ({ v: ws.allocF64(width + 2), w: ws.allocF64(width + 2), s: ws.allocF64(4) }));
    // Per sweep: steps done, then (at n + i) whether the partner thread sleeps waiting on it.
    const progressPtr = ws.alloc(2 * n * 4);
    ws.i32(progressPtr, 2 * n).fill(0);
    const firstPtr = ws.alloc(keep ? n * 4 : 0);
    if (keep && b > 1) {
      const first = ws.i32(firstPtr, n);
      for (let i = 0, at = 0; i < n; i++) {
        first[i] = at;
        at += sweepReflectors(n, b, i);
      }
    }
    const { rows: rowsPtr, lengths: lensPtr, taus: tausPtr, vectors: vsPtr } = kept ?? allocReflectors();
    if (b > 1) {
      const slice = sweepsPerSlice(n, b, threads);
      for (let s0 = 0; s0 < n - 1; s0 += slice) {
        throwIfCancelled(opts.signal);
        const s1 = Math.min(n - 1, s0 + slice);
        const args = (t: number) => [
          abPtr,
          ld,
          n,
          b,
          s0,
          s1,
          t,
          threads,
          progressPtr,
          keep ? 1 : 0,
          firstPtr,
          rowsPtr,
          lensPtr,
          tausPtr,
          vsPtr,
          scratch[t].v,
          scratch[t].w,
          scratch[t].s,
        ];
        // The worker starts on the odd sweeps while this thread runs the even ones in step.
        const other = helper?.run(ws.memory, args(1));
        inFlight = other?.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
        const mine = (ws.fn.bandToTridiagonal as (...a: number[]) => number)(...args(0));
        const theirs = other ? await other : 0;
        inFlight = undefined;
        if (mine !== 0 || theirs !== 0) throw new Error('band → tridiagonal: the helper thread stopped responding');
        opts.onProgress?.({ done: s1, total: n - 1, message: 'band → tridiagonal' });
        if (!other && s1 < n - 1) await yieldToEventLoop();
      }
    }
    const ab = ws.f64(abPtr, n * ld);
    const diagonal = new Float64Array(n);
    const offDiagonal = new Float64Array(Math.max(0, n - 1));
    for (let i = 0; i < n; i++) diagonal[i] = ab[i * ld];
    if (b > 0) for (let i = 0; i + 1 < n; i++) offDiagonal[i] = ab[i * ld + 1];
    if (!keep) return { diagonal, offDiagonal };
    const view = <T extends Int32Array | Float64Array>(x: T): T => (kept ? x : (x.slice() as T));
    const reflectors: BandReflectors = {
      count,
      b,
      rows: view(ws.i32(rowsPtr, count)),
      lengths: view(ws.i32(lensPtr, count)),
      taus: view(ws.f64(tausPtr, count)),
      vectors: view(ws.f64(vsPtr, count * b)),
    };
    if (kept) reflectors.workspace = { ws, ...kept };
    return { diagonal, offDiagonal, reflectors };
  } finally {
    // After a failure on this thread the helper may still be chasing its sweeps (it gives up
    // after its patience runs out): wait for it, so that it never writes into released memory
    // and the next reduction finds it idle.
    if (inFlight) await inFlight;
    helper?.release();
    ws.release(mark);
  }
}

/**
 * Y ← Q₂·Y in place, where Q₂ is the product of the recorded reflectors and Y is n×k row-major
 * (row r = component r of k vectors): eigenvectors of the tridiagonal form → of the band matrix.
 */
export async function applyBandReflectors(
  reflectors: BandReflectors,
  y: Float64Array,
  n: number,
  k: number,
  opts: { ws?: WasmWorkspace; singleThread?: boolean } & JobContext = {},
): Promise<void> {
  if (reflectors.count === 0 || k === 0) return;
  const ws = opts.ws ?? new WasmWorkspace();
  // Columns are independent: with the helper thread, it takes every other block of columns.
  const helper = !opts.singleThread && k >= 2 * HELPER_MIN_COLUMNS && n >= 256 ? await leaseSweepHelper() : undefined;
  const threads = helper ? 2 : 1;
  const mark = ws.mark();
  let inFlight: Promise<unknown> | undefined;
  try {
    const { count, b } = reflectors;
    const at = reflectors.workspace?.ws === ws ? reflectors.workspace : undefined;
    const rowsPtr = at?.rows ?? ws.alloc(count * 4);
    const lensPtr = at?.lengths ?? ws.alloc(count * 4);
    const tausPtr = at?.taus ?? ws.allocF64(count);
    const vsPtr = at?.vectors ?? ws.allocF64(count * b);
    if (!at) {
      ws.i32(rowsPtr, count).set(reflectors.rows);
      ws.i32(lensPtr, count).set(reflectors.lengths);
      ws.f64(tausPtr, count).set(reflectors.taus);
      ws.f64(vsPtr, count * b).set(reflectors.vectors);
    }
    // Columns in chunks so that the rows one reflector touches stay in cache across the sweep.
    const chunk = Math.min(Math.ceil(k / threads), 256);
    const buffers = Array.from({ length: threads }, () => ({ y: ws.allocF64(n * chunk), w: ws.allocF64(chunk) }));
    const perSlice = Math.max(1, Math.floor((1 << 24) / (4 * b * chunk)));
    for (let c0 = 0; c0 < k; c0 += threads * chunk) {
      const parts = buffers
        .map((buf, t) => ({ ...buf, from: Math.min(k, c0 + t * chunk), width: Math.max(0, Math.min(chunk, k - c0 - t * chunk)) }))
        .filter((p) => p.width > 0);
      for (const p of parts) {
        const yv = ws.f64(p.y, n * p.width);
        for (let r = 0; r < n; r++) yv.set(y.subarray(r * k + p.from, r * k + p.from + p.width), r * p.width);
      }
      // Reflectors must be applied last to first; slices walk down from the end.
      for (let q1 = count; q1 > 0; q1 -= perSlice) {
        throwIfCancelled(opts.signal);
        const q0 = Math.max(0, q1 - perSlice);
        const args = (p: (typeof parts)[number]) => [p.y, p.width, b, q0, q1, rowsPtr, lensPtr, tausPtr, vsPtr, p.w];
        const other = helper && parts[1] ? helper.run(ws.memory, args(parts[1]), 'applyBandReflectors') : undefined;
        inFlight = other?.catch(() => undefined);
        (ws.fn.applyBandReflectors as (...a: number[]) => void)(...args(parts[0]));
        if (other) await other;
        inFlight = undefined;
        if (!other && q0 > 0) await yieldToEventLoop();
      }
      for (const p of parts) {
        const out = ws.f64(p.y, n * p.width);
        for (let r = 0; r < n; r++) y.set(out.subarray(r * p.width, r * p.width + p.width), r * k + p.from);
      }
    }
  } finally {
    // The helper must be done with the shared memory before it is released.
    if (inFlight) await inFlight;
    helper?.release();
    ws.release(mark);
  }
}

/** Fewer columns per thread than this are not worth the helper's hand-offs. */
const HELPER_MIN_COLUMNS = 64;
