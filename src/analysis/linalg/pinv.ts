// Moore–Penrose pseudo-inverse through the smaller Gram matrix G (Wᵀ·W or W·Wᵀ, float64):
// G = V·Λ·Vᵀ, G⁺ = V_r·Λ_r⁻¹·V_rᵀ over the kept eigenvalues, then W⁺ = G⁺·Wᵀ (tall) or Wᵀ·G⁺ (wide).
//
// Cutoff: singular values σ ≤ rcond·σ_max are treated as zero. The default
// rcond = √(max(m, n)·ε₆₄) (≈ 1e-6 for 4096-wide weights) is the smallest relative σ the Gram
// route resolves: eigenvalues of G carry absolute errors of about √n·ε₆₄·λ_max, i.e. σ errors of
// about √(√n·ε₆₄)·σ_max, so directions below the cutoff are numerical null space. numpy's
// rcond = 1e-15 assumes an SVD of W itself; real weights are ill-conditioned but their float32
// entries hold only ~7 digits, so nothing meaningful lives below this cutoff either.
import { JobContext } from '../jobs';
import { Matrix } from './matrix';
import { gramEigen } from './gramEigen';
import { product, mixedProduct } from './reductionGraphs';
import type { Engine } from '../engine/engine';

const EPS64 = 2.220446049250313e-16;

export interface PinvOptions extends JobContext {
  engine?: Engine;
  /** Relative cutoff: σ ≤ rcond·σ_max counts as zero. Default defaultRcond(m, n). */
  rcond?: number;
}

export function defaultRcond(rows: number, cols: number): number {
  return Math.sqrt(Math.max(rows, cols, 1) * EPS64);
}

/** W⁺ (n×m) for W (m×n), float32 like the weights. */
export async function pinv(W: Matrix, opts: PinvOptions = {}): Promise<Matrix> {
  const rcond = opts.rcond ?? defaultRcond(W.rows, W.cols);
  if (!Number.isFinite(rcond) || rcond < 0) throw new Error(`pinv: rcond must be a finite number ≥ 0, got ${opts.rcond}`);
  const eig = await gramEigen(W, 'pinv', true, { engine: opts.engine, signal: opts.signal, onProgress: opts.onProgress });
  const { rows: m, cols: n } = W;
  const g = eig.values.length;
  const lambdaMax = g > 0 ? eig.values[g - 1] : 0;
  const cutoff = rcond * rcond * lambdaMax;
  const kept: number[] = [];
  for (let i = 0; i < g; i++) if (eig.values[i] > cutoff && eig.values[i] > 0) kept.push(i);
  const r = kept.length;
  if (r === 0) return { rows: n, cols: m, data: new Float32Array(n * m) };
  const vectors = (eig.vectors as { data: Float64Array }).data;
  const vr = new Float64Array(g * r);
  const scaled = new Float64Array(g * r);
  for (let row = 0; row < g; row++) {
    for (let c = 0; c < r; c++) {
      const x = vectors[row * g + kept[c]];
      vr[row * r + c] = x;
      scaled[row * r + c] = x / eig.values[kept[c]];
    }
  }
  const gPlus = await product(eig.sessions, 'nt', scaled, g, r, vr, g, r); // g×g
  const result =
    eig.side === 'cols'
      ? await mixedProduct(eig.sessions, 'nt', gPlus, g, g, W.data, m, n) // G⁺·Wᵀ: n×m
      : await mixedProduct(eig.sessions, 'tn', W.data, m, n, gPlus, g, g); // Wᵀ·G⁺: n×m
  return { rows: n, cols: m, data: Float32Array.from(result) };
}
