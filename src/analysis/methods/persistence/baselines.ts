/**
 * Layer-redundancy baselines from the same last-token hidden states as the zigzag:
 * ShortGPT's Block Influence BI(ℓ) = 1 − mean cos(x_ℓ, x_ℓ₊₁) and Gromov et al.'s angular distance
 * arccos(cos(x_ℓ, x_ℓ₊ₙ))/π averaged over prompts. Clouds are [prompts, hidden] row-major.
 */
import type { Matrix } from '../../linalg/matrix';

function meanCosine(a: Matrix, b: Matrix, angular: boolean): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error('baselines: clouds must have the same shape');
  let total = 0;
  for (let r = 0; r < a.rows; r++) {
    let dot = 0,
      na = 0,
      nb = 0;
    for (let t = r * a.cols; t < (r + 1) * a.cols; t++) {
      dot += a.data[t] * b.data[t];
      na += a.data[t] * a.data[t];
      nb += b.data[t] * b.data[t];
    }
    // A zero vector has no direction: count it as orthogonal rather than dividing by zero.
    const c = na > 0 && nb > 0 ? Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb))) : 0;
    total += angular ? Math.acos(c) / Math.PI : c;
  }
  return total / a.rows;
}

/** BI(ℓ) for ℓ = 0..clouds-2. */
export function blockInfluence(clouds: Matrix[]): number[] {
  return clouds.slice(0, -1).map((x, l) => 1 - meanCosine(x, clouds[l + 1], false));
}

/** Mean angular distance between cloud ℓ and ℓ + n, for ℓ = 0..clouds-1-n. */
export function angularDistance(clouds: Matrix[], n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`angular distance block size must be a positive integer, got ${n}`);
  const out: number[] = [];
  for (let l = 0; l + n < clouds.length; l++) out.push(meanCosine(clouds[l], clouds[l + n], true));
  return out;
}
