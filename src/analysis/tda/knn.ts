/**
 * Symmetric k-nearest-neighbour graph of a point cloud (rows of a matrix), Euclidean, exact.
 *
 * Inner products come from the engine's float32 GEMM in row blocks (‖x‖² + ‖y‖² − 2x·y) of the
 * centred points x′ (the cloud less its mean, rounded to float32), which only screens: a float32 dot
 * product of length d is within γ_d‖x′‖‖y′‖ of the true one in any summation order
 * (γ_d = d·u / (1 − d·u), u = 2⁻²⁴; Higham, Accuracy and Stability of Numerical Algorithms, §3.1),
 * so each approximate squared distance D̂ is within e = 2γ_d‖x′‖‖y′‖ (+ float64 slack) of the
 * centred points' one, and centring moves √D by at most u′(‖x′‖ + ‖y′‖). With U the k-th smallest
 * upper bound on √D over a row, every true k-nearest neighbour has a lower bound ≤ U; all such
 * candidates (at least k) are re-ranked by distances recomputed in float64 from the original
 * points, ties broken by the lower index. Hidden states often have large norms and small distances
 * between them, where float32 alone misorders neighbours; centring keeps the bound small there, and
 * where it is not the candidate set grows instead of the answer going wrong. Symmetrised as a
 * union: i–j is an edge when j is among i's k nearest or i among j's.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../jobs';
import type { Engine } from '../engine/engine';
import { matmul } from '../engine/kernels/matmul';
import { sliceRows, type Matrix } from '../linalg/matrix';
import type { Graph } from './cliques';

export async function knnGraph(engine: Engine, points: Matrix, k: number, ctx: JobContext = {}): Promise<Graph> {
  const n = points.rows,
    d = points.cols;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k (neighbours) must be a positive integer, got ${k}`);
  if (n < 2) throw new Error(`a k-NN graph needs at least 2 points, got ${n}`);
  for (let i = 0; i < points.data.length; i++) {
    if (!Number.isFinite(points.data[i])) throw new Error(`point ${Math.floor(i / d)} has a non-finite coordinate`);
  }
  const kk = Math.min(k, n - 1);
  const u = 2 ** -24;
  if (!(d * u < 0.5)) throw new Error(`k-NN: points of dimension ${d} are too long for a bounded float32 product`);
  const { centred, norms } = centre(points);
  const gamma = (d * u) / (1 - d * u);
  // Float64 slack: the norms are sums of d exact squares (relative error ≤ d·2⁻⁵³) and D̂ adds three
  // terms; (d + 8)·2⁻⁵² on ‖x′‖² + ‖y′‖² + 2|x′·y′| covers both.
  const slack64 = (d + 8) * 2 ** -52;
  // Centring rounds each coordinate once: ‖(x − y) − (x′ − y′)‖ ≤ u′(‖x′‖ + ‖y′‖), u′ = u / (1 − u).
  const shift = (u / (1 - u)) * (1 + 1e-12);
  const roots = norms.map(Math.sqrt);
  // Row blocks keep the n×block product within a quarter of the engine's memory budget.
  const block = Math.max(1, Math.min(n, Math.floor(engine.memoryBudgetBytes / 4 / (4 * n))));
  const sets = Array.from({ length: n }, () => new Set<number>());
  const lower = new Float64Array(n);
  const best = new Float64Array(kk); // the kk smallest upper bounds on √D of a row, ascending
  for (let r0 = 0; r0 < n; r0 += block) {
    throwIfCancelled(ctx.signal);
    const r1 = Math.min(n, r0 + block);
    const prod = await matmul(engine, sliceRows(centred, r0, r1), centred, { transB: true });
    for (let i = r0; i < r1; i++) {
      const row = (i - r0) * n;
      let filled = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dot = prod.data[row + j];
        const approx = norms[i] + norms[j] - 2 * dot;
        const e = 2 * gamma * roots[i] * roots[j] + slack64 * (norms[i] + norms[j] + 2 * Math.abs(dot));
        const s = shift * (roots[i] + roots[j]);
        lower[j] = Math.sqrt(Math.max(0, approx - e)) - s;
        const upper = Math.sqrt(approx + e) + s;
        if (filled === kk && upper >= best[kk - 1]) continue;
        let pos = filled < kk ? filled++ : kk - 1;
        while (pos > 0 && best[pos - 1] > upper) {
          best[pos] = best[pos - 1];
          pos--;
        }
        best[pos] = upper;
      }
      // Every true k-nearest neighbour has √D ≤ the k-th smallest upper bound, hence a lower bound below it.
      const bound = best[kk - 1] * (1 + 1e-15);
      const exact: { j: number; dist: number }[] = [];
      for (let j = 0; j < n; j++) if (j !== i && lower[j] <= bound) exact.push({ j, dist: sqDistance(points, i, j) });
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

/**
 * The points less their mean (rounded to float32), each coordinate rounded once to float32, and the
 * float64 squared norms of the results. Distances do not change under a shift, and the screen's
 * error bound scales with the norms, which for hidden states sharing a large common component are
 * many times the distances between them.
 */
function centre(points: Matrix): { centred: Matrix; norms: Float64Array } {
  const { rows: n, cols: d, data } = points;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += data[i * d + t];
  const c = Float32Array.from(mean, (v) => v / n);
  const out = new Float32Array(n * d);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = Math.fround(data[i * d + t] - c[t]);
      out[i * d + t] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  return { centred: { rows: n, cols: d, data: out }, norms };
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
