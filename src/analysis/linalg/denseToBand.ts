// Stage one of the symmetric eigen-decomposition: dense → band (half-bandwidth b) by blocked
// Householder QR panels, like LAPACK's dsytrd_sy2sb, with every O(n³) product run by ORT in float64.
//
// Panels are grouped into blocks of `panelsPerBlock`: inside a block the trailing matrix is not
// rewritten; its updates stay implicit as A − Σₚ (vₚᵀ·wₚ + wₚᵀ·vₚ) (one row of vₚ, wₚ per reflector),
// and each panel's products correct for them. Only at the end of a block is the trailing matrix rewritten,
// with Gemms of inner dimension 2·(block width). That keeps the number of full passes over the
// n² matrix (which cost memory bandwidth, not flops) at n / (block width) instead of n / b.
//
// Memory: everything happens in the one n × n buffer given (8n² bytes, 512 MB at n = 8192). Each
// trailing matrix is written compactly (row stride = its order) over the rows of the previous one
// that its row blocks have consumed, so no second n × n buffer is ever needed; the work buffers
// besides it hold O(n·block width).
import { JobContext, throwIfCancelled } from '../jobs';
import { SymmetricBand, emptyBand } from './bandToTridiagonal';
import { ReductionSessions, TRAILING_SPLIT, f64Tensor, indexTensor } from './reductionGraphs';
import { WasmWorkspace } from './wasm/linalgWasm';
import { giveScratch, takeScratch } from './scratchPool';
import { memoryMark } from './memoryMarks';

/** Below this order the trailing update is one plain Gemm: splitting it saves too little. */
export const SPLIT_MIN = 256;
/** Bytes of one row block of a trailing update's result (the Gemm's output buffer). */
const TRAILING_BLOCK_BYTES = 32 * 1024 * 1024;

/** The reflectors of one block: Q_block = I − Vᵀ·T·V acting on rows/columns offset.. of A. */
export interface ReflectorBlock {
  offset: number;
  /** Order of the trailing matrix the block acted on. */
  m: number;
  /** q×m, one reflector per row (zero left of its first entry). */
  v: Float64Array;
  q: number;
  /** T of each panel (b×b), in order; combined into the block's T by the back-transformation. */
  panelT: Float64Array[];
}

export interface DenseToBandResult {
  band: SymmetricBand;
  /** Present when asked for: the blocks in the order they were applied. */
  blocks?: ReflectorBlock[];
}

export interface DenseToBandOptions extends JobContext {
  b: number;
  panelsPerBlock: number;
  /** Smallest trailing order updated by row blocks (default SPLIT_MIN). */
  splitMin?: number;
  /** Bytes of one row block of a trailing update's result (default TRAILING_BLOCK_BYTES; tests use a few KB). */
  rowBlockBytes?: number;
  keepReflectors?: boolean;
  sessions: ReductionSessions;
  ws: WasmWorkspace;
}

/**
 * a: the full symmetric n×n matrix, row-major float64; it is overwritten (the reduction works in
 * it). Progress is reported in columns reduced.
 */
export async function denseToBand(a: Float64Array, n: number, opts: DenseToBandOptions): Promise<DenseToBandResult> {
  const { b, sessions, ws } = opts;
  const band = emptyBand(n, b);
  const ld = band.ld;
  const blocks: ReflectorBlock[] = [];
  // The current trailing matrix, m × m with row stride m, at the start of a.
  const cur: Float64Array = a;
  let m = n;
  let offset = 0;
  const mark = ws.mark();
  // Work buffers come from the scratch pool (reused by the next reduction in this process) and
  // go back to it in the finally block, once no ORT run can still write into them.
  const taken: Float64Array[] = [];
  const take = (length: number) => {
    const buffer = takeScratch(length);
    taken.push(buffer);
    return buffer;
  };
  try {
    const panelPtr = ws.allocF64(b * n);
    const tauPtr = ws.allocF64(b);
    const tPtr = ws.allocF64(b * b);
    const scratchPtr = ws.allocF64(b + 2);
    // The next panel's rows, alternating so that the rows being factored are never overwritten.
    const nextRows = [take(b * n), take(b * n)];
    // Block buffers sized for the first (largest) block and reused: fresh multi-megabyte arrays
    // per block cost page faults and full garbage collections.
    const maxWidth = Math.min(opts.panelsPerBlock, Math.ceil((n - b) / b)) * b;
    const prBuffer = take(2 * maxWidth * n);
    const qrBuffer = take(2 * maxWidth * n);
    const pTailBuffer = take(Math.max(0, n - maxWidth) * 2 * maxWidth);
    const qTailBuffer = take(pTailBuffer.length);
    // One row block of a trailing update's result: ⌈r/k⌉ rows of at most r entries, k from its size.
    const blockEntries = Math.max(1, Math.floor((opts.rowBlockBytes ?? TRAILING_BLOCK_BYTES) / 8));
    const rowBlockBuffer = take(Math.min(n * n, blockEntries + n));
    // The same block of the current matrix, copied contiguous as the update's C.
    const rowBlockInput = take(rowBlockBuffer.length);
    while (m > b) {
      const panels = Math.min(opts.panelsPerBlock, Math.ceil((m - b) / b));
      const width = panels * b;
      const vBlock = opts.keepReflectors ? new Float64Array(width * m) : undefined;
      // PR = [v₀; w₀; v₁; w₁; …] and QR = [w₀; v₀; w₁; v₁; …], so that Σₚ vₚᵀ·wₚ + wₚᵀ·vₚ = PRᵀ·QR.
      // Every entry is written below before it is read (v's leading zeros by fill).
      const pr = prBuffer.subarray(0, 2 * width * m);
      const qr = qrBuffer.subarray(0, 2 * width * m);
      // PRᵀ's rows below the block ((m − width) × 2·width), the trailing update's left operand.
      const pTail = pTailBuffer.subarray(0, (m - width) * 2 * width);
      const panelT: Float64Array[] = [];
      const r = m - width;
      // The trailing update also takes QR[:, width:]ᵀ, built like pTail (see trailingRowsGraph).
      const qTail = qTailBuffer.subarray(0, r * 2 * width);
      memoryMark('eigh: dense → band panels');
      let rows = cur.subarray(0, b * m); // rows c..c+b of the current matrix (= its columns)
      for (let p = 0; p < panels; p++) {
        throwIfCancelled(opts.signal);
        const c = p * b;
        const s = c + b;
        const L = m - s;
        // The diagonal block goes to the band as it is.
        for (let j = 0; j < b; j++) {
          for (let i = j; i < b; i++) band.data[(offset + c + j) * ld + (i - j)] = rows[j * m + c + i];
        }
        // QR of the panel below it, each panel column contiguous for the WASM kernel.
        const panel = ws.f64(panelPtr, b * L);
        for (let j = 0; j < b; j++) panel.set(rows.subarray(j * m + s, j * m + m), j * L);
        ws.fn.panelQR(panelPtr, L, L, b, tauPtr, tPtr, scratchPtr);
        const factors = ws.f64(panelPtr, b * L);
        // v is built in its PR slot and fed to ORT from there; QR's copy follows the run.
        const v = pr.subarray(2 * p * b * m, (2 * p + 1) * b * m);
        v.fill(0);
        for (let j = 0; j < b; j++) {
          // R (upper triangular) is the panel's part of the band.
          for (let i = 0; i <= Math.min(j, L - 1); i++) band.data[(offset + c + j) * ld + (b + i - j)] = factors[j * L + i];
          if (j < L) {
            v[j * m + s + j] = 1;
            v.set(factors.subarray(j * L + j + 1, j * L + L), j * m + s + j + 1);
          }
        }
        const t = ws.f64(tPtr, b * b).slice();
        panelT.push(t);
        const rowEnd = Math.min(s + b, m);
        const feeds: Record<string, ReturnType<typeof f64Tensor>> = {
          A: f64Tensor(cur.subarray(s * m, m * m), L, m),
          v: f64Tensor(v, b, m),
          T: f64Tensor(t, b, b),
          rowStart: indexTensor(s),
          rowEnd: indexTensor(rowEnd),
        };
        if (p > 0) {
          feeds.PR = f64Tensor(pr.subarray(0, 2 * p * b * m), 2 * p * b, m);
          feeds.QR = f64Tensor(qr.subarray(0, 2 * p * b * m), 2 * p * b, m);
        }
        const next = nextRows[p % 2].subarray(0, (rowEnd - s) * m);
        const wSlot = qr.subarray(2 * p * b * m, (2 * p + 1) * b * m);
        await (p > 0 ? sessions.panel : sessions.panelFirst).run(feeds, { w: f64Tensor(wSlot, b, m), next: f64Tensor(next, rowEnd - s, m) });
        pr.set(wSlot, (2 * p + 1) * b * m);
        qr.set(v, (2 * p + 1) * b * m);
        vBlock?.set(v, p * b * m);
        transposeInto(pTail, 2 * width, 2 * p * b, v, m, width, b, m - width);
        transposeInto(pTail, 2 * width, 2 * p * b + b, wSlot, m, width, b, m - width);
        transposeInto(qTail, 2 * width, 2 * p * b, wSlot, m, width, b, m - width);
        transposeInto(qTail, 2 * width, 2 * p * b + b, v, m, width, b, m - width);
        rows = next;
        opts.onProgress?.({ done: offset + s, total: n, message: 'dense → band' });
      }
      // Rewrite the trailing matrix once for the whole block.
      memoryMark('eigh: dense → band trailing update');
      throwIfCancelled(opts.signal);
      // Row blocks of the result (one for small orders, where splitting saves too little), each
      // written compactly (stride r) over rows of cur it no longer needs: block [ρ₀, ρ₁) reads
      // rows width + ρ₀.. of cur, which begin at (width + ρ₀)·m, past the ρ₁·r entries written so far.
      const split = r >= Math.max(TRAILING_SPLIT, opts.splitMin ?? SPLIT_MIN);
      const blockCount = Math.max(split ? TRAILING_SPLIT : 1, Math.ceil((r * r) / blockEntries));
      const height = Math.ceil(r / blockCount);
      for (let r0 = 0; r0 < r; r0 += height) {
        const r1 = Math.min(r, r0 + height);
        const h = r1 - r0;
        const out = rowBlockBuffer.subarray(0, h * r1);
        const c = rowBlockInput.subarray(0, h * r1);
        for (let i = 0; i < h; i++) {
          const from = (width + r0 + i) * m + width;
          c.set(cur.subarray(from, from + r1), i * r1);
        }
        const feeds = {
          C: f64Tensor(c, h, r1),
          P: f64Tensor(pTail.subarray(r0 * 2 * width, r1 * 2 * width), h, 2 * width),
          Q: f64Tensor(qTail.subarray(0, r1 * 2 * width), r1, 2 * width),
        };
        await sessions.trailingRows.run(feeds, { out: f64Tensor(out, h, r1) });
        for (let i = 0; i < h; i++) cur.set(out.subarray(i * r1, (i + 1) * r1), (r0 + i) * r);
      }
      mirrorLower(cur, r);
      if (vBlock) blocks.push({ offset, m, v: vBlock, q: width, panelT });
      offset += width;
      m = r;
    }
    // What is left fits inside the band.
    for (let j = 0; j < m; j++) {
      for (let i = j; i < m; i++) band.data[(offset + j) * ld + (i - j)] = cur[i * m + j];
    }
  } finally {
    giveScratch(...taken);
    ws.release(mark);
  }
  return { band, blocks: opts.keepReflectors ? blocks : undefined };
}

/**
 * The upper triangle of the n × n row-major matrix a from its lower one, so that it is exactly
 * symmetric (the next block's panels read whole rows). Tiled, as transposeInto.
 */
function mirrorLower(a: Float64Array, n: number): void {
  const TILE = 64;
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    for (let j0 = i0; j0 < n; j0 += TILE) {
      const j1 = Math.min(n, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = Math.max(j0, i + 1); j < j1; j++) a[row + j] = a[j * n + i];
      }
    }
  }
}

/**
 * dst[r·ldDst + col0 + j] = src[j·ldSrc + srcCol0 + r] for j < k, r < rows: a k-row band of src,
 * transposed into k columns of dst. Tiled so that both sides stay in cache: the plain row-by-row
 * loop (strided reads from k rows of src) took ~80 ms per n = 2048 reduction, this one ~10.
 */
function transposeInto(dst: Float64Array, ldDst: number, col0: number, src: Float64Array, ldSrc: number, srcCol0: number, k: number, rows: number): void {
  const TILE = 64;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let j = 0; j < k; j++) {
      const s = j * ldSrc + srcCol0;
      for (let r = r0; r < r1; r++) dst[r * ldDst + col0 + j] = src[s + r];
    }
  }
}
