/** Seeded random matrices for the engine tests (mulberry32 + Box–Muller: reproducible, no deps). */
import type { Matrix } from '../../../../src/analysis/linalg/matrix';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-300),
    v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rand = rng(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = gaussian(rand);
  return { rows, cols, data };
}

export function randomArray(n: number, seed: number): Float64Array {
  const rand = rng(seed);
  return Float64Array.from({ length: n }, () => gaussian(rand));
}

/** Plain float64 triple loop: op(a)·op(b). */
export function referenceMatmul(a: Matrix, b: Matrix, transA = false, transB = false): Float64Array {
  const m = transA ? a.cols : a.rows,
    k = transA ? a.rows : a.cols,
    n = transB ? b.rows : b.cols;
  const at = (i: number, p: number) => (transA ? a.data[p * a.cols + i] : a.data[i * a.cols + p]);
  const bt = (p: number, j: number) => (transB ? b.data[j * b.cols + p] : b.data[p * b.cols + j]);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(i, p) * bt(p, j);
      out[i * n + j] = s;
    }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
