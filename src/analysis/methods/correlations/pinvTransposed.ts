/**
 * pinv(W)ᵀ of a tall weight (W [m, n], m ≥ n: up_proj [ff, d]) in row blocks, for the MLP measures,
 * which use the pseudo-inverse only through pinv(W)ᵀ [m, n] (paired entry by entry with Wdᵀ, and as
 * the right factor of Wd·pinv(Wu)ᵀ). Same route and cutoff as linalg/pinv.ts: G = WᵀW = V·Λ·Vᵀ,
 * G⁺ = V_r·Λ_r⁻¹·V_rᵀ over eigenvalues above rcond²·λ_max, and pinv(W) = G⁺·Wᵀ, so
 * pinv(W)ᵀ = W·G⁺ (G⁺ is symmetric), computed block by block of W's rows.
 *
 * Memory at 70B shapes (W 28672 × 8192 float32, 940 MB): the float32 result and G⁺ (n² float64,
 * 512 MB) beside W, plus one block's float64 product sized from the memory budget; the eigenvectors
 * are let go before the product. Going through pinv() and a transpose instead holds a float64
 * m×n product (1.9 GB), its float32 copy and the transpose at once.
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import { gramEigen } from '../../linalg/gramEigen';
import { transpose, type Matrix } from '../../linalg/matrix';
import { defaultRcond, pinv } from '../../linalg/pinv';
import { f32Tensor, f64Tensor, product } from '../../linalg/reductionGraphs';

export interface PinvTransposedOptions extends JobContext {
  engine?: Engine;
  rcond?: number;
}

/**
 * Float64 bytes of one block's product W[J]·G⁺ at most (less when the budget is small): 1024 rows at
 * n = 8192, already large enough for the Gemm, and a step that holds W, the result and G⁺ beside
 * what garbage collection has not yet freed of the eigen-decomposition has no room for more.
 */
const DEFAULT_BLOCK_BYTES = 64 * 1024 * 1024;

export async function pinvTransposed(W: Matrix, opts: PinvTransposedOptions = {}): Promise<Matrix> {
  const { rows: m, cols: n } = W;
  // A wide W's Gram matrix is W·Wᵀ and pinv(W)ᵀ = G⁺·W, whose blocks are columns: not worth a second route.
  if (m < n || n === 0) return transpose(await pinv(W, opts));
  const rcond = opts.rcond ?? defaultRcond(m, n);
  if (!Number.isFinite(rcond) || rcond < 0) throw new Error(`pinv: rcond must be a finite number ≥ 0, got ${opts.rcond}`);
  const gPlus = await pseudoInverseOfGram(W, rcond, opts);
  const out = new Float32Array(m * n);
  if (!gPlus) return { rows: m, cols: n, data: out };
  const blockBytes = Math.min(DEFAULT_BLOCK_BYTES, (opts.engine?.memoryBudgetBytes ?? Infinity) / 2);
  const step = Math.max(1, Math.floor(blockBytes / (8 * n)));
  const sessions = gPlus.sessions;
  // One float64 block buffer for every block (fresh ones would each be garbage until collected).
  const block = new Float64Array(Math.min(m, step) * n);
  const G = f64Tensor(gPlus.data, n, n);
  for (let r0 = 0; r0 < m; r0 += step) {
    throwIfCancelled(opts.signal);
    const r1 = Math.min(m, r0 + step);
    const part = block.subarray(0, (r1 - r0) * n);
    await sessions.mixed.nn.run({ A: f32Tensor(W.data.subarray(r0 * n, r1 * n), r1 - r0, n), B: G }, { out: f64Tensor(part, r1 - r0, n) });
    out.set(part, r0 * n);
    await yieldToEventLoop();
  }
  return { rows: m, cols: n, data: out };
}

/** G⁺ (n×n float64) of G = WᵀW, or null when every eigenvalue is below the cutoff (pinv(W) = 0). */
async function pseudoInverseOfGram(
  W: Matrix,
  rcond: number,
  opts: PinvTransposedOptions,
): Promise<{ data: Float64Array; sessions: Awaited<ReturnType<typeof gramEigen>>['sessions'] } | null> {
  const eig = await gramEigen(W, 'pinv', true, { engine: opts.engine, signal: opts.signal, onProgress: opts.onProgress });
  const g = eig.values.length;
  const lambdaMax = g > 0 ? eig.values[g - 1] : 0;
  const cutoff = rcond * rcond * lambdaMax;
  const kept: number[] = [];
  for (let i = 0; i < g; i++) if (eig.values[i] > cutoff && eig.values[i] > 0) kept.push(i);
  if (kept.length === 0) return null;
  let { vr, scaled } = keptFactors(eig, kept);
  // The eigenvectors are not needed past this point (vr is them when every pair is kept).
  eig.vectors = undefined;
  const r = kept.length;
  const gPlus = await product(eig.sessions, 'nt', scaled, g, r, vr, g, r);
  vr = scaled = new Float64Array(0);
  return { data: gPlus, sessions: eig.sessions };
}

/**
 * V_r and V_r·Λ_r⁻¹ (g×r, row-major) over the kept eigenpairs. When every pair is kept (the usual
 * case), V_r is the eigenvector matrix itself rather than a copy (g² float64: 512 MB at g = 8192).
 */
function keptFactors(eig: { values: Float64Array; vectors?: { data: Float64Array } }, kept: number[]): { vr: Float64Array; scaled: Float64Array } {
  const g = eig.values.length,
    r = kept.length;
  const vectors = eig.vectors!.data;
  if (r === g) {
    const scaled = new Float64Array(g * g);
    for (let row = 0; row < g; row++) for (let c = 0; c < g; c++) scaled[row * g + c] = vectors[row * g + c] / eig.values[c];
    return { vr: vectors, scaled };
  }
  const vr = new Float64Array(g * r);
  const scaled = new Float64Array(g * r);
  for (let row = 0; row < g; row++) {
    for (let c = 0; c < r; c++) {
      const x = vectors[row * g + kept[c]];
      vr[row * r + c] = x;
      scaled[row * r + c] = x / eig.values[kept[c]];
    }
  }
  return { vr, scaled };
}
