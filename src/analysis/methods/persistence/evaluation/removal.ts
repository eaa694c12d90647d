/**
 * Which n layers each method removes, from the persistence run's own measurements:
 *
 * - zigzag: the n decoder layers with the highest average persistence similarity S̄₁(ℓ) (the
 *   ranking behind the suggestion S̄₁(ℓ) ≥ p · max S̄₁, descriptors.ts `pruningSuggestion`), a tie
 *   going to the deeper layer as there; n = the suggestion's size gives the suggestion itself.
 * - angular: the contiguous block ℓ … ℓ + n − 1 whose angular distance d(ℓ, n) between
 *   hidden_states[ℓ] and hidden_states[ℓ + n] at the last token is smallest (Gromov et al.);
 *   the first minimum on a tie, as `np.argmin` in `get_best_pruning_start`
 *   (short_transformers/utils/utils.py of github.com/melisa-writer/short-transformers) and the
 *   strict `<` of `min_distance_layer` in compute_block_similarity/layer_similarity.py of
 *   github.com/arcee-ai/PruneMe.
 * - bi: the n layers with the lowest Block Influence (ShortGPT), as
 *   `np.argsort(importances)[:num_layers]` in `ShortLlama.remove_layers`
 *   (short_gpt/short_llama.py of github.com/sramshetty/ShortGPT); a tie goes to the shallower layer
 *   (a stable sort).
 */
import type { ResidualStreamBaselines } from '../baselines';

export type CurveMethod = 'zigzag' | 'angular' | 'bi';
export const CURVE_METHODS: readonly CurveMethod[] = ['zigzag', 'angular', 'bi'];
export const CURVE_METHOD_LABELS: Record<CurveMethod, string> = {
  zigzag: 'zigzag persistence (highest S̄₁)',
  angular: 'angular block (Gromov et al., last token)',
  bi: 'Block Influence (ShortGPT)',
};

function checkCount(n: number, available: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > available) throw new Error(`cannot remove ${n} layers by ${what}: choose 0..${available}`);
}

/** The n layers of highest S̄(ℓ) among decoder layers 0..L−1 (avg has L + 1 entries: the last is the final norm), ascending. */
export function zigzagRemoval(avg: readonly number[], decoderLayers: number, n: number): number[] {
  checkCount(n, decoderLayers, 'persistence similarity');
  if (avg.length < decoderLayers) throw new Error(`the average similarity has ${avg.length} values, fewer than the ${decoderLayers} decoder layers`);
  return Array.from({ length: decoderLayers }, (_, l) => l)
    .sort((a, b) => avg[b] - avg[a] || b - a)
    .slice(0, n)
    .sort((a, b) => a - b);
}

/** The block ℓ … ℓ + n − 1 of smallest d(ℓ, n); `values[ℓ]` = d(ℓ, n) for ℓ = 0..L − n. */
export function angularBlockRemoval(values: readonly number[], n: number): number[] {
  if (n === 0) return [];
  if (values.length === 0) throw new Error(`no angular distance for blocks of ${n} layers`);
  let best = 0;
  for (let l = 1; l < values.length; l++) if (values[l] < values[best]) best = l;
  return Array.from({ length: n }, (_, i) => best + i);
}

/** The n layers of lowest Block Influence, ascending. */
export function blockInfluenceRemoval(bi: readonly number[], n: number): number[] {
  checkCount(n, bi.length, 'Block Influence');
  return Array.from({ length: bi.length }, (_, l) => l)
    .sort((a, b) => bi[a] - bi[b] || a - b)
    .slice(0, n)
    .sort((a, b) => a - b);
}

/** The layers `method` removes at n, from a persistence result's S̄ curve and residual-stream baselines. */
export function layersRemoved(
  method: CurveMethod,
  n: number,
  r: { averageSimilarity: number[][]; suggestionDim: number; decoderLayers: number; residualStream?: ResidualStreamBaselines },
): number[] {
  if (method === 'zigzag') return zigzagRemoval(r.averageSimilarity[r.suggestionDim], r.decoderLayers, n);
  const rs = r.residualStream;
  if (!rs) throw new Error('the persistence result has no residual-stream baselines, so the angular and Block Influence methods cannot choose layers');
  if (method === 'bi') return blockInfluenceRemoval(rs.blockInfluence, n);
  if (n === 0) return [];
  const block = rs.angularLastToken.find((a) => a.n === n);
  if (!block)
    throw new Error(
      `the persistence run measured no angular distance for blocks of ${n} layers (it has n = ${rs.angularLastToken.map((a) => a.n).join(', ')})`,
    );
  return angularBlockRemoval(block.values, n);
}
