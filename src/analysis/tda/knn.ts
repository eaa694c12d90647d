/**
 * Symmetric k-nearest-neighbour graph of a point cloud (rows of a matrix), Euclidean, exact.
 *
 * Inner products come from the engine's GEMM in row blocks (‖x‖² + ‖y‖² − 2x·y). Float32 GEMM can
 * misorder near-ties when the norms are large (hidden states often are), so each row keeps a few
 * more candidates than k and those are re-ranked by distances recomputed in float64; ties are
 * broken by the lower index. Symmetrised as a union: i–j is an edge when j is among i's k nearest
 * or i among j's.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../jobs';
import type { Engine } from '../engine/engine';
import { matmul } from '../engine/kernels/matmul';
import { sliceRows, type Matrix } from '../linalg/matrix';
import type { Graph } from './cliques';

/** Extra candidates re-ranked in float64 beyond the k wanted. */
const RERANK_MARGIN = 8;

export async function knnGraph(engine: Engine, points: Matrix, k: number, ctx: JobContext = {}): Promise<Graph> {
  const n = points.rows,
    d = points.cols;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k (neighbours) must be a positive integer, got ${k}`);
  if (n < 2) throw new Error(`a k-NN graph needs at least 2 points, got ${n}`);
  for (let i = 0; i < points.data.length; i++) {
    if (!Number.isFinite(points.data[i])) throw new Error(`point ${Math.floor(i / d)} has a non-finite coordinate`);
  }
  const kk = Math.min(k, n - 1);
  const m = Math.min(n - 1, kk + RERANK_MARGIN);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * d; t < (i + 1) * d; t++) s += points.data[t] * points.data[t];
    norms[i] = s;
  }
  // Row blocks keep the n×block product within a quarter of the engine's memory budget.
  const block = Math.max(1, Math.min(n, Math.floor(engine.memoryBudgetBytes / 4 / (4 * n))));
  const sets = Array.from({ length: n }, () => new Set<number>());
  const candD = new Float64Array(m),
    candI = new Int32Array(m);
  for (let r0 = 0; r0 < n; r0 += block) {
    throwIfCancelled(ctx.signal);
    const r1 = Math.min(n, r0 + block);
    const prod = await matmul(engine, sliceRows(points, r0, r1), points, { transB: true });
    for (let i = r0; i < r1; i++) {
      // Keep the m smallest approximate distances by insertion into a sorted buffer.
      let filled = 0;
      const row = (i - r0) * n;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dist = norms[i] + norms[j] - 2 * prod.data[row + j];
        if (filled === m && dist >= candD[m - 1]) continue;
        let pos = filled < m ? filled++ : m - 1;
        while (pos > 0 && candD[pos - 1] > dist) {
          candD[pos] = candD[pos - 1];
          candI[pos] = candI[pos - 1];
          pos--;
        }
        candD[pos] = dist;
        candI[pos] = j;
      }
      const exact = Array.from(candI.subarray(0, filled), (j) => ({ j, dist: sqDistance(points, i, j) }));
      exact.sort((a, b) => a.dist - b.dist || a.j - b.j);
      for (let t = 0; t < kk; t++) {
        sets[i].add(exact[t].j);
        sets[exact[t].j].add(i);
      }
    }
    ctx.onProgress?.({ done: r1, total: n, message: `k-NN ${r1}/${n}` });
    await yieldToEventLoop();
  }
  return { vertexCount: n, neighbours: sets.map((s) => Int32Array.from([...s].sort((a, b) => a - b))) };
}

function sqDistance(p: Matrix, i: number, j: number): number {
  const d = p.cols;
  let s = 0;
  for (let t = 0; t < d; t++) {
    const x = p.data[i * d + t] - p.data[j * d + t];
    s += x * x;
  }
  return s;
}
