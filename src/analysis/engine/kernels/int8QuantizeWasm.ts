/**
 * The level-1 int8 copy of a weight's unit vectors (fast DOCS alone: quantizedVectors with one
 * level) made by the SIMD kernels of linalg/wasm/assembly/int8Quantize.ts straight from the weight,
 * without a normalised float32 copy: the weight is copied into WASM memory (4 bytes a weight, where
 * the float32 path's normalised copy took as much) beside q and its transpose (1 byte a weight each).
 *
 * 'columns' (vectors = the weight's columns, as columnNormalize normalises them): one pass sums
 * each column's squares in float32 row order and takes its max|x|, a second normalises, quantizes
 * and stores q in the weight's own layout, which is already the right operand qᵀ; the left operand
 * (q + 128, one vector per row) is its transpose. 'rows' (as scaleRowsToUnit): each block of rows is
 * transposed into a block of columns and goes through the same steps, with float64 sums.
 * q, s and the sums of squares equal those of normalizedColumns / normalizedRows followed by
 * quantizeRowRange, bit for bit (test/unit/analysis/engine/int8QuantizeWasm.test.ts).
 *
 * Where a second core is free, the eigen-decomposition's helper thread (linalg/wasm/sweepHelper.ts)
 * takes half of the vectors and half of the transpose. One WASM memory is kept between calls (a
 * job quantizes one layer after another; fresh memory would cost a page fault per 4 KiB each
 * time) and let go when idle, as linalg/scratchPool.ts does.
 */
import type { Matrix } from '../../linalg/matrix';
import { WasmWorkspace } from '../../linalg/wasm/linalgWasm';
import { leaseSweepHelper, type HelperFunction } from '../../linalg/wasm/sweepHelper';

/** Weight values per block of rows that the 'rows' side transposes (1 MiB: it stays in cache for the steps that follow). */
const BLOCK_VALUES = 1 << 18;
/** Below this many weights one thread does it all (a message to the helper costs more). */
const MIN_THREADED_WEIGHTS = 1 << 20;
/** Vectors per chunk that a thread takes at a time ('columns'), and rows of q per chunk of the transpose. */
const CHUNK_VECTORS = 64;
const CHUNK_ROWS = 256;
/**
 * Most weights one call takes: the weight, q and qᵀ (6 bytes a weight) within the 4 GiB a WASM
 * memory can address, less room for the per-vector arrays. Larger matrices take quantizedVectors'
 * other path.
 */
export const MAX_WASM_WEIGHTS = Math.floor((2 ** 32 - 2 ** 26) / 6);
/** How long the kept WASM memory outlives its last use. */
const IDLE_MS = 2000;
/**
 * Largest WASM memory kept for the next call (an 8B model's 14336 × 4096 layer takes 352 MB): a
 * 70B layer's (1.4 GB) is let go at once, so it is not held beside the next layer's read, which the
 * memory budget (int8Memory.ts) does not count it against.
 */
const KEEP_BYTES = 512 * 2 ** 20;

let kept: WasmWorkspace | undefined;
let idleTimer: NodeJS.Timeout | undefined;

/** The kept workspace, or a fresh one while another call holds it. */
function takeWorkspace(): WasmWorkspace {
  const ws = kept ?? new WasmWorkspace();
  kept = undefined;
  return ws;
}

function giveWorkspace(ws: WasmWorkspace, mark: number): void {
  ws.release(mark);
  if (ws.memory.buffer.byteLength > KEEP_BYTES) return;
  kept = ws;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    kept = undefined;
  }, IDLE_MS);
  idleTimer.unref();
}

export interface Level1Copy {
  /** Vectors. */
  m: number;
  /** Their length. */
  n: number;
  /** q + 128, m×n. */
  qA: Uint8Array;
  /** qᵀ, n×m. */
  qB: Int8Array;
  scale: Float32Array;
  /** Float64 sums of squares of the unit vector x, of a = s·q and of r = x − a, in element order. */
  sx: Float64Array;
  sa: Float64Array;
  sr: Float64Array;
}

/** Options for tests: one thread, though a helper thread is available. */
export interface QuantizeLevel1Options {
  singleThread?: boolean;
}

/** The level-1 quantization of `w`'s unit columns or rows (see the file comment). */
export async function quantizeLevel1(w: Matrix, side: 'rows' | 'columns', opts: QuantizeLevel1Options = {}): Promise<Level1Copy> {
  const [m, n] = side === 'columns' ? [w.cols, w.rows] : [w.rows, w.cols];
  if (m * n > MAX_WASM_WEIGHTS) throw new Error(`int8 DOCS: ${m}×${n} is more than the ${MAX_WASM_WEIGHTS} weights the WASM quantizer takes`);
  const ws = takeWorkspace();
  const mark = ws.mark();
  const helper = !opts.singleThread && m * n >= MIN_THREADED_WEIGHTS ? await leaseSweepHelper() : undefined;
  /** The helper's share in flight: it must end before the memory is released. */
  let inFlight: Promise<unknown> | undefined;
  try {
    // Rows of the weight 64 bytes apart from a multiple of 4 KiB: the quantizer's strips read down
    // 128 rows at a time, which would otherwise all fall in one cache set.
    const ld = w.cols + 16;
    const x = ws.alloc(4 * ld * w.rows);
    const xs = new Float32Array(ws.memory.buffer, x, ld * w.rows);
    for (let i = 0; i < w.rows; i++) xs.set(w.data.subarray(i * w.cols, (i + 1) * w.cols), i * ld);
    const v = vectorArrays(ws, m);
    const qB = ws.alloc(m * n),
      qA = ws.alloc(m * n);
    const perVector = [v.sum, v.amax, v.inv, v.scale, v.s64, v.sdiv, v.sx, v.sa, v.sr];
    const counters = ws.alloc(16);
    new Int32Array(ws.memory.buffer, counters, 4).fill(0);
    // Both threads run the same step, each taking chunks from a shared counter until none is left.
    const both = async (fn: HelperFunction, args: (thread: number) => number[]) => {
      const other = helper ? helper.run(ws.memory, args(1), fn) : undefined;
      inFlight = other?.catch(() => undefined);
      (ws.fn[fn] as (...a: number[]) => void)(...args(0));
      if (other) await other;
      inFlight = undefined;
    };
    if (side === 'columns') {
      // Column j of the n×m weight is vector j; q lies in the weight's layout, n×m: qB itself.
      await both('int8QuantizeColumnVectors', () => [x, n, m, ld, ...perVector, qB, m, counters, CHUNK_VECTORS]);
    } else {
      const block = Math.min(m, Math.max(16, Math.floor(BLOCK_VALUES / Math.max(1, n) / 16) * 16));
      const scratch = [ws.alloc(4 * block * n), helper ? ws.alloc(4 * block * n) : 0];
      await both('int8QuantizeRowVectors', (t) => [x, m, n, ld, scratch[t], block, ...perVector, qB, m, counters]);
    }
    // qA = qBᵀ + 128.
    await both('int8TransposeOffset', () => [qB, n, m, m, qA, n, counters + 4, CHUNK_ROWS]);
    const buf = ws.memory.buffer;
    return {
      m,
      n,
      qA: new Uint8Array(buf, qA, m * n).slice(),
      qB: new Int8Array(buf, qB, m * n).slice(),
      scale: new Float32Array(buf, v.scale, m).slice(),
      sx: new Float64Array(buf, v.sx, m).slice(),
      sa: new Float64Array(buf, v.sa, m).slice(),
      sr: new Float64Array(buf, v.sr, m).slice(),
    };
  } finally {
    if (inFlight) await inFlight;
    helper?.release();
    giveWorkspace(ws, mark);
  }
}

/** Per-vector arrays in WASM memory; sum and inv have room for float64 (the rows'), the columns' are float32. */
function vectorArrays(ws: WasmWorkspace, m: number) {
  const v = { sum: ws.alloc(8 * m), amax: ws.alloc(4 * m), inv: ws.alloc(8 * m), scale: ws.alloc(4 * m), s64: ws.alloc(8 * m), sdiv: ws.alloc(8 * m) };
  const sums = { sx: ws.alloc(8 * m), sa: ws.alloc(8 * m), sr: ws.alloc(8 * m) };
  // Reused memory is not zero: the sums and maxima start from 0.
  new Uint8Array(ws.memory.buffer, v.sum, 8 * m).fill(0);
  new Uint8Array(ws.memory.buffer, v.amax, 4 * m).fill(0);
  return { ...v, ...sums };
}
