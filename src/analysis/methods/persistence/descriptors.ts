/**
 * Descriptors of a zigzag barcode over the L + 1 hidden-state clouds (methods.md §5), and the
 * pruning rule. Bars are in layer indices: birth = first cloud with the class, death = first cloud
 * without it (L + 1 = alive at the last cloud).
 */
export interface LayerBar {
  dim: number;
  birth: number;
  death: number;
}

/** β_p(ℓ) = #bars of dimension p with birth ≤ ℓ < death, for ℓ = 0..layers-1. */
export function bettiCurve(bars: LayerBar[], dim: number, layers: number): number[] {
  const out = new Array<number>(layers).fill(0);
  for (const b of bars) if (b.dim === dim) for (let l = b.birth; l < Math.min(b.death, layers); l++) out[l]++;
  return out;
}

/** S_p(i, j) = #bars with birth ≤ min(i, j) and death > max(i, j); symmetric, diagonal = β_p. */
export function similarityMatrix(bars: LayerBar[], dim: number, layers: number): number[][] {
  const s = Array.from({ length: layers }, () => new Array<number>(layers).fill(0));
  for (const b of bars) {
    if (b.dim !== dim) continue;
    const hi = Math.min(b.death, layers);
    for (let i = b.birth; i < hi; i++) for (let j = b.birth; j < hi; j++) s[i][j]++;
  }
  return s;
}

/** Heatmap S_p(i, j)/β_p(i); a row with β_p(i) = 0 is all zero (no feature to share). */
export function normalisedHeatmap(s: number[][]): number[][] {
  return s.map((row, i) => row.map((v) => (s[i][i] > 0 ? v / s[i][i] : 0)));
}

/** S̄_p(ℓ) = (1/(L+1)) Σ_j S_p(ℓ, j)/β_p(j); terms with β_p(j) = 0 are 0 (then S_p(ℓ, j) = 0 too). */
export function averageSimilarity(s: number[][]): number[] {
  const n = s.length;
  return s.map((row) => row.reduce((acc, v, j) => acc + (s[j][j] > 0 ? v / s[j][j] : 0), 0) / n);
}

export interface PruningSuggestion {
  p: number;
  threshold: number;
  /** Decoder layers with S̄₁(ℓ) ≥ p · max S̄₁, ascending. */
  layers: number[];
}

/**
 * Layers to remove at ratio p: every decoder layer ℓ (0..decoderLayers-1; the last cloud is the final
 * norm, not a layer) with S̄(ℓ) ≥ p · max S̄, the maximum taken over the whole curve as drawn.
 * No feature at all (max = 0) suggests nothing.
 */
export function pruningSuggestion(avg: number[], decoderLayers: number, p: number): PruningSuggestion {
  if (!(p > 0 && p <= 1)) throw new Error(`pruning ratio p must be in (0, 1], got ${p}`);
  const max = Math.max(0, ...avg);
  const threshold = p * max;
  const layers: number[] = [];
  if (max > 0) for (let l = 0; l < Math.min(decoderLayers, avg.length); l++) if (avg[l] >= threshold) layers.push(l);
  return { p, threshold, layers };
}
