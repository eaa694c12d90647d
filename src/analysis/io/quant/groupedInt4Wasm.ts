/**
 * GPTQ and AWQ 4-bit weights through the WASM SIMD kernels (../wasm/groupedInt4.as.ts): bit for bit
 * the values of the lookup-table decoders in gptqDecode.ts / awqDecode.ts, which remain the fallback
 * without WebAssembly SIMD and for the shapes the kernels do not take.
 *
 * The kernels run in a decode arena (../wasm/decodeArena.ts) laid out as
 * `[values of a batch of rows][packed words of a strip of rows][scales][zero points][g_idx]`:
 * a strip of at most STRIP_BYTES of packed words (the rows' columns of qweight) is copied in with
 * its `[rows, groups]` float32 scale and zero-point tables, the kernel decodes a batch of rows at a
 * time (a batch stays in the L2 cache) and the batch is copied to its place in the result.
 */
import { acquireArena, releaseArena } from '../wasm/decodeArena';

/** Packed words per strip: 2 MiB. */
const STRIP_BYTES = 2 * 1024 * 1024;
/** Decoded values per batch: 256 KiB of float32. */
const BATCH_VALUES = 65536;

/**
 * The kernels' rounding mode for the scales' dtype (what groupedInt.ts rounderFor picks): 0 float32,
 * 1 float16, 2 bfloat16, or 3 / 4 for float16 / bfloat16 when the tables' scales keep every product
 * (|q − z| ≤ 16) zero or in the dtype's normal range, so the kernel can skip the subnormal,
 * overflow and NaN cases.
 */
function modeOf(scaleDtype: string, s: Float32Array): number {
  if (scaleDtype !== 'F16' && scaleDtype !== 'BF16') return 0;
  const [lo, hi] = scaleDtype === 'F16' ? [2 ** -14, 2 ** 12] : [2 ** -126, 2 ** 123];
  for (let i = 0; i < s.length; i++) {
    const a = Math.abs(s[i]);
    if (a !== 0 && !(a >= lo && a < hi)) return scaleDtype === 'F16' ? 1 : 2;
  }
  return scaleDtype === 'F16' ? 3 : 4;
}

/** What both decoders pass: the per-(group, row) zero point and scale, as buildLut takes them. */
export interface GroupTables {
  groups: number;
  zero: (g: number, r: number) => number;
  scale: (g: number, r: number) => number;
  scaleDtype: string;
}

/** Writes float32 tables of rows `r0 … r1`, row-major `[rows, groups]`, or with `byGroup` `[groups, rows]`. */
function fillTables(t: GroupTables, r0: number, r1: number, s: Float32Array, z: Float32Array, byGroup: boolean): void {
  const rows = r1 - r0;
  for (let r = r0; r < r1; r++)
    for (let g = 0; g < t.groups; g++) {
      const at = byGroup ? g * rows + (r - r0) : (r - r0) * t.groups + g;
      s[at] = t.scale(g, r);
      z[at] = t.zero(g, r);
    }
}

/**
 * GPTQ rows `[o0, o1)` of qweight `qw` (`[n / 8, out]` words) into `res` (row-major, `n` a row),
 * `gidx` the group of each input. False (nothing written) where the kernels are unavailable or the
 * shape is not theirs (whole words of inputs, rows in fours).
 */
export function gptq4Wasm(qw: Int32Array, out: number, n: number, o0: number, o1: number, gidx: Int32Array, t: GroupTables, res: Float32Array): boolean {
  const words = n / 8;
  if (!Number.isInteger(words) || (o1 - o0) % 4 !== 0) return false;
  // Strips and batches of whole fours of rows: the kernel decodes four rows at a time.
  const stripRows = 4 * Math.max(1, Math.min((o1 - o0) / 4, Math.floor(STRIP_BYTES / (16 * words))));
  const batchRows = 4 * Math.max(1, Math.min(stripRows / 4, Math.floor(BATCH_VALUES / (4 * n))));
  const outBytes = 4 * batchRows * n;
  const stripBytes = 4 * words * stripRows;
  const tableBytes = 4 * stripRows * t.groups;
  const arena = acquireArena(outBytes + stripBytes + 2 * tableBytes + 4 * n);
  if (!arena) return false;
  try {
    const outPtr = arena.base;
    const stripPtr = outPtr + outBytes;
    const sPtr = stripPtr + stripBytes;
    const zPtr = sPtr + tableBytes;
    const gPtr = zPtr + tableBytes;
    new Int32Array(arena.bytes(gPtr, 4 * n).buffer, gPtr, n).set(gidx);
    const strip = new Int32Array(arena.bytes(stripPtr, stripBytes).buffer, stripPtr, words * stripRows);
    for (let s0 = o0; s0 < o1; s0 += stripRows) {
      const s1 = Math.min(o1, s0 + stripRows);
      const rows = s1 - s0;
      for (let k = 0; k < words; k++) strip.set(qw.subarray(k * out + s0, k * out + s1), k * rows);
      const s = arena.values(sPtr, rows * t.groups);
      fillTables(t, s0, s1, s, arena.values(zPtr, rows * t.groups), true);
      const mode = modeOf(t.scaleDtype, s);
      for (let b0 = 0; b0 < rows; b0 += batchRows) {
        const b1 = Math.min(rows, b0 + batchRows);
        arena.kernels.gptq4(outPtr, stripPtr, rows, b0, b1, n, sPtr, zPtr, gPtr, mode);
        res.set(arena.values(outPtr, (b1 - b0) * n), (s0 - o0 + b0) * n);
      }
    }
  } finally {
    releaseArena(arena);
  }
  return true;
}

/**
 * AWQ rows `[o0, o1)` (multiples of 8) of qweight `qw` (`[n, out / 8]` words) into `res` (row-major,
 * `n` a row), group `i / groupSize`. False (nothing written) where the kernels are unavailable or
 * the shape is not theirs (`n` and `groupSize` multiples of 4).
 */
export function awq4Wasm(qw: Int32Array, out: number, n: number, o0: number, o1: number, groupSize: number, t: GroupTables, res: Float32Array): boolean {
  if (n % 4 !== 0 || groupSize % 4 !== 0 || o0 % 8 !== 0 || (o1 - o0) % 8 !== 0) return false;
  const words = out / 8;
  const stripCols = Math.max(1, Math.min((o1 - o0) / 8, Math.floor(STRIP_BYTES / (4 * n))));
  const batchCols = Math.max(1, Math.min(stripCols, Math.floor(BATCH_VALUES / (8 * n))));
  const outBytes = 4 * 8 * batchCols * n;
  const stripBytes = 4 * n * stripCols;
  const tableBytes = 4 * 8 * stripCols * t.groups;
  const arena = acquireArena(outBytes + stripBytes + 2 * tableBytes);
  if (!arena) return false;
  try {
    const outPtr = arena.base;
    const stripPtr = outPtr + outBytes;
    const sPtr = stripPtr + stripBytes;
    const zPtr = sPtr + tableBytes;
    const strip = new Int32Array(arena.bytes(stripPtr, stripBytes).buffer, stripPtr, n * stripCols);
    for (let c0 = o0 / 8; c0 < o1 / 8; c0 += stripCols) {
      const c1 = Math.min(o1 / 8, c0 + stripCols);
      const cols = c1 - c0;
      // Element by element: a subarray per input would cost more than the copy.
      for (let i = 0, to = 0; i < n; i++) for (let from = i * words + c0, end = from + cols; from < end;) strip[to++] = qw[from++];
      const s = arena.values(sPtr, 8 * cols * t.groups);
      fillTables(t, 8 * c0, 8 * c1, s, arena.values(zPtr, 8 * cols * t.groups), false);
      const mode = modeOf(t.scaleDtype, s);
      for (let b0 = 0; b0 < cols; b0 += batchCols) {
        const b1 = Math.min(cols, b0 + batchCols);
        arena.kernels.awq4(outPtr, stripPtr, cols, b0, b1, n, sPtr, zPtr, t.groups, groupSize, mode);
        res.set(arena.values(outPtr, 8 * (b1 - b0) * n), (8 * (c0 + b0) - o0) * n);
      }
    }
  } finally {
    releaseArena(arena);
  }
  return true;
}
