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
  /** The layers to remove, ascending: the reference rule's, or the most similar of them where the cap applied. */
  layers: number[];
  /** Decoder layers with S̄(ℓ) ≥ p · max S̄, ascending: the reference rule before the cap. */
  ruleLayers: number[];
  /** At most this many layers are suggested (maxPrunedLayers). */
  maxLayers: number;
  /** Whether the rule chose more than maxLayers layers, so that `layers` is cut to the cap. */
  capped: boolean;
}

/**
 * The most layers a suggestion removes: ⌊share · L⌋ of the L decoder layers, at least one and never
 * all of them (0 for a one-layer model).
 */
export function maxPrunedLayers(decoderLayers: number, share: number): number {
  if (!(share > 0 && share < 1)) throw new Error(`the largest share of layers pruned must be in (0, 1), got ${share}`);
  return Math.max(0, Math.min(decoderLayers - 1, Math.max(1, Math.floor(share * decoderLayers))));
}

/**
 * Layers to remove at ratio p. The rule is the reference's (`layers_to_cut_given_r` in
 * src/benchmark/benchmark.py of github.com/YuriGardinazzi/conferenceProject, the code of
 * Gardinazzi et al.): every decoder layer ℓ (0..decoderLayers-1; the last cloud is the final norm,
 * not a layer) with S̄(ℓ) ≥ p · max S̄, the maximum taken over the whole curve as drawn. No feature
 * at all (max = 0) suggests nothing. The reference has no limit, and on a flat curve it chooses
 * every layer; here at most `maxLayers` (default: all but one) are kept: those with the highest S̄,
 * a tie going to the deeper layer.
 */
export function pruningSuggestion(avg: number[], decoderLayers: number, p: number, maxLayers = decoderLayers - 1): PruningSuggestion {
  if (!(p > 0 && p <= 1)) throw new Error(`pruning ratio p must be in (0, 1], got ${p}`);
  if (!Number.isInteger(maxLayers) || maxLayers < 0) throw new Error(`the most layers pruned must be a non-negative integer, got ${maxLayers}`);
  const max = Math.max(0, ...avg);
  const threshold = p * max;
  const ruleLayers: number[] = [];
  if (max > 0) for (let l = 0; l < Math.min(decoderLayers, avg.length); l++) if (avg[l] >= threshold) ruleLayers.push(l);
  const capped = ruleLayers.length > maxLayers;
  const layers = capped
    ? [...ruleLayers]
        .sort((a, b) => avg[b] - avg[a] || b - a)
        .slice(0, maxLayers)
        .sort((a, b) => a - b)
    : [...ruleLayers];
  return { p, threshold, layers, ruleLayers, maxLayers, capped };
}
