// The persistence panel's notes (webview/persistence/notes): prompt truncation, the homology not
// computed at the run's clique dimension, and the pruning suggestions under the cap — the fixed
// ratios' and the slider's.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { PersistenceJobResult } from '../../../../src/analysis/methods/persistence/job';
import { pruningSuggestion } from '../../../../src/analysis/methods/persistence/descriptors';
import { homologyText, sliderSuggestion, suggestionsLine, suggestionText, tokensText } from '../../../../webview/persistence/notes';

// Five decoder layers and the final norm; S̄₁ nearly flat, so the rule alone takes every layer at 0.8.
const avg1 = [0.2, 0.21, 0.24, 0.23, 0.22, 0.19];
const result = {
  prompts: 120,
  decoderLayers: 5,
  maxDim: 4,
  homologyDims: [0, 1, 2, 3],
  suggestionDim: 1,
  averageSimilarity: [[1, 1, 1, 1, 1, 1], avg1, [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
  maxPrunedShare: 0.5,
  maxPrunedLayers: 2,
  suggestions: [0.9, 0.8].map((p) => pruningSuggestion(avg1, 5, p, 2)),
  truncation: { keep: 'first', maxTokens: 2048, context: 512, limit: 512, truncated: [{ prompt: 3, kept: 512, of: 900 }] },
} as unknown as PersistenceJobResult;

test('tokens: how many prompts were cut, to which of their tokens', () => {
  assert.equal(
    tokensText(result),
    "Tokens: 1 of 120 prompts longer than 512 tokens (the model's context; 2048 asked) keep their first 512 (the longest had 900).",
  );
  const none = { ...result, truncation: { ...result.truncation, maxTokens: 64, limit: 64, truncated: [] } } as unknown as PersistenceJobResult;
  assert.equal(tokensText(none), 'Tokens: no prompt longer than 64 tokens.');
});

test('homology: H₀…H₃ at clique dimension 4; at 3, H₃ is said not to be computed', () => {
  assert.equal(homologyText(result), 'Homology H0 to H3 (cliques up to dimension 4); H4 and above are not computed.');
  const three = { ...result, maxDim: 3, homologyDims: [0, 1, 2] } as unknown as PersistenceJobResult;
  assert.match(homologyText(three), /H3 and above are not computed/);
});

test('suggestions: the cap and what the rule chose where it applied; the slider obeys the same cap', () => {
  assert.equal(result.suggestions[1].ruleLayers.length, 5);
  const line = suggestionsLine(result);
  assert.match(line, /at most 2 of 5 layers = 50 % rounded down, at least one, never all/);
  assert.match(line, /p = 0\.8: layers 2, 3 \(capped: the rule chose 0, 1, 2, 3, 4\)/);
  assert.match(line, /p = 0\.9: layers 2, 3 \(capped: the rule chose 2, 3, 4\)/);
  const slider = sliderSuggestion(result, 0.5);
  assert.deepEqual(slider.layers, [2, 3]);
  assert.equal(slider.capped, true);
  assert.deepEqual(sliderSuggestion(result, 1).layers, [2]);
  assert.equal(suggestionText(sliderSuggestion(result, 1)), 'layers 2');
  assert.equal(suggestionText({ ...slider, layers: [], ruleLayers: [], capped: false }), 'none');
});
