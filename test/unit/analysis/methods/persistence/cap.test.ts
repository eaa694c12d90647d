/**
 * The cap on the pruning suggestion on a real trained model: on stories260K with
 * 120 token-id prompts the reference rule (S̄₁ ≥ p · max) chooses every decoder layer at p = 0.8;
 * the suggestion keeps the ⌊share · L⌋ layers with the highest S̄₁, and the result, the CLI table and
 * the tidy rows say that the cap applied and what the rule chose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { runPersistenceJob } from '../../../../../src/analysis/methods/persistence/job';
import { formatPersistence } from '../../../../../src/analysis/methods/persistence/cli';
import { persistenceTidyRows } from '../../../../../src/analysis/methods/persistence/csv';
import { REPO_ROOT } from '../../../../paths';

const STORIES = join(REPO_ROOT, 'test/fixtures/models/stories260K');
// 120 prompts of 16 to 48 ids from a fixed congruence (the model ships without a tokenizer).
const IDS = Array.from({ length: 120 }, (_, p) => Array.from({ length: 16 + ((p * 7) % 33) }, (_, t) => 3 + ((p * 97 + t * 71 + p * t * 13) % 509)));

test('stories260K: the rule takes every decoder layer at p = 0.8; the suggestion is capped and says so', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(STORIES);
  const r = await runPersistenceJob(model, { prompts: [{ kind: 'tokens', ids: IDS }] }, { engine });
  const L = r.decoderLayers;
  assert.equal(L, 5);
  assert.equal(r.maxDim, 4, 'clique dimension 4 by default, as the paper');
  assert.deepEqual(r.homologyDims, [0, 1, 2, 3]);
  assert.equal(r.maxPrunedShare, 0.5);
  assert.equal(r.maxPrunedLayers, 2);
  const avg = r.averageSimilarity[1];
  const p08 = r.suggestions.find((s) => s.p === 0.8)!;
  assert.deepEqual(p08.ruleLayers, [0, 1, 2, 3, 4], 'the reference rule alone removes every decoder layer');
  assert.equal(p08.capped, true);
  for (const s of r.suggestions) {
    assert.ok(s.layers.length <= r.maxPrunedLayers && s.layers.length < L, `p = ${s.p}: never more than the cap`);
    assert.ok(s.layers.every((l) => s.ruleLayers.includes(l)));
    // The kept layers are the rule's with the highest S̄₁.
    const dropped = s.ruleLayers.filter((l) => !s.layers.includes(l));
    for (const l of s.layers) for (const d of dropped) assert.ok(avg[l] >= avg[d], `p = ${s.p}: kept ${l} (S̄ ${avg[l]}) over ${d} (S̄ ${avg[d]})`);
    assert.equal(s.capped, s.ruleLayers.length > r.maxPrunedLayers);
  }
  const text = formatPersistence(r);
  assert.match(text, new RegExp(`prune at p = 0.8: .* → layers ${p08.layers.join(', ')} \\(capped at 2 of 5: the rule chose 0, 1, 2, 3, 4\\)`));
  const rows = persistenceTidyRows(r);
  assert.equal(rows.find((x) => x.metric === 'max_pruned_layers')?.value, 2);
  assert.equal(rows.find((x) => x.metric === 'suggestion_capped_p0.8')?.value, true);

  // A larger share lets more layers go, never all of them.
  const wide = await runPersistenceJob(model, { prompts: [{ kind: 'tokens', ids: IDS }], maxPrunedShare: 0.95 }, { engine });
  assert.equal(wide.maxPrunedLayers, 4);
  assert.equal(wide.suggestions.find((s) => s.p === 0.8)!.layers.length, 4);
  assert.deepEqual(wide.averageSimilarity, r.averageSimilarity, 'the cap changes the suggestion only');
});
