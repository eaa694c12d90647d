/**
 * The persistence panel's lines of text about a result: how prompts were truncated, which
 * homology dimensions were computed, and the pruning suggestions with the cap on their size (the
 * slider's suggestion included). Plain functions of the result, so they are tested without a DOM.
 */
import type { PersistenceJobResult } from '../../src/analysis/methods/persistence/job';
import { pruningSuggestion, type PruningSuggestion } from '../../src/analysis/methods/persistence/descriptors';
import { truncationNote } from '../../src/analysis/methods/persistence/truncation';

/** "Tokens: …": the limit, and how many prompts were cut to their first (or last) tokens. */
export function tokensText(r: PersistenceJobResult): string {
  return `Tokens: ${truncationNote(r.truncation, r.prompts)}.`;
}

/** Which homology the clique dimension allows: H₀ … H_{dim−1}; H_dim and above are not computed. */
export function homologyText(r: PersistenceJobResult): string {
  const top = r.homologyDims[r.homologyDims.length - 1];
  return `Homology H0 to H${top} (cliques up to dimension ${r.maxDim}); H${r.maxDim} and above are not computed.`;
}

/** The suggestion at the slider's p, under the run's cap. */
export function sliderSuggestion(r: PersistenceJobResult, ratio: number): PruningSuggestion {
  return pruningSuggestion(r.averageSimilarity[r.suggestionDim], r.decoderLayers, ratio, r.maxPrunedLayers);
}

/** One suggestion in words; where the cap applied, what the rule chose. */
export function suggestionText(s: PruningSuggestion): string {
  const layers = s.layers.length ? `layers ${s.layers.join(', ')}` : 'none';
  return s.capped ? `${layers} (capped: the rule chose ${s.ruleLayers.join(', ')})` : layers;
}

/** The line above the plots: the fixed ratios' suggestions and the cap. */
export function suggestionsLine(r: PersistenceJobResult): string {
  const fixed = r.suggestions.map((s) => `p = ${s.p}: ${suggestionText(s)}`).join(' · ');
  return (
    `Suggested for removal (S̄${r.suggestionDim} ≥ p · max, at most ${r.maxPrunedLayers} of ${r.decoderLayers} layers ` +
    `= ${Math.round(r.maxPrunedShare * 100)} % rounded down, at least one, never all): ${fixed}`
  );
}
