// Semantic similarity end to end: each pair's per-layer similarity equals the activation analysis's
// own pair similarity for the same two prompts (activationAnalysis run on just those two), exactly
// and with a strided sample of parameters; ρ per layer is Spearman's of those similarities against
// the scores; progress counts sentences; cancellation stops the run. On media/sample-model the job
// (tokenizer, built-in sample pairs) agrees with the activation job on the same two texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { activationAnalysis } from '../../../../../../src/analysis/methods/activation/activation';
import { runActivationJob } from '../../../../../../src/analysis/methods/activation/job';
import { stsAnalysis, type TokenizedStsPair } from '../../../../../../src/analysis/methods/activation/sts/sts';
import { runStsJob, readStsPairs } from '../../../../../../src/analysis/methods/activation/sts/job';
import { spearman } from '../../../../../../src/analysis/methods/activation/sts/spearman';
import { openModel } from '../../../../../../src/analysis/model/openModel';
import { CancelledError } from '../../../../../../src/analysis/jobs';
import { activationLlama } from '../../../../../fixtures/activationLlama';
import { REPO_ROOT } from '../../../../../paths';

const PAIRS: TokenizedStsPair[] = [
  { sentence1: 'a', sentence2: 'b', score: 4.5, line: 2, ids1: [1, 5, 9, 2], ids2: [1, 5, 9, 3, 3] },
  { sentence1: 'c', sentence2: 'd', score: 0.5, line: 3, ids1: [20, 21, 30, 31, 7, 7], ids2: [2, 8, 11] },
  { sentence1: 'e', sentence2: 'f', score: 2, line: 4, ids1: [20, 22, 30], ids2: [20, 21, 30, 4] },
  { sentence1: 'g', sentence2: 'h', score: 3, line: 5, ids1: [6, 6, 6], ids2: [6, 6, 6, 6, 1] },
];

function prompts(p: TokenizedStsPair) {
  return [
    { domain: 'x', label: p.sentence1, ids: p.ids1 },
    { domain: 'x', label: p.sentence2, ids: p.ids2 },
  ];
}

test("per-layer similarity equals the activation analysis's pair similarity, exact and strided", async () => {
  const { ex } = activationLlama();
  try {
    const progress: string[] = [];
    const res = await stsAnalysis(ex, PAIRS, { onProgress: (p) => progress.push(`${p.done}/${p.total}`) });
    assert.deepEqual(progress, ['1/8', '2/8', '3/8', '4/8', '5/8', '6/8', '7/8', '8/8']);
    assert.equal(res.numLayers, 3);
    assert.equal(res.trackedFraction, 1);
    for (const [i, pair] of PAIRS.entries()) {
      const ref = await activationAnalysis(ex, prompts(pair));
      assert.equal(ref.pairs.length, 1);
      assert.deepEqual(res.pairs[i].similarity, ref.pairs[0].similarity, `pair ${i}`);
      assert.ok(res.pairs[i].similarity.every((s) => s > 0 && s <= 1 + 1e-9));
      assert.equal(res.pairs[i].tokens1, pair.ids1.length);
    }
    // Layers differ, so a mix-up of layers would show.
    assert.notDeepEqual(res.pairs[0].similarity[0], res.pairs[0].similarity[2]);
    for (const c of res.layers) {
      const expected = spearman(
        res.pairs.map((p) => p.similarity[c.layer]),
        PAIRS.map((p) => p.score),
      );
      assert.deepEqual(c, { layer: c.layer, ...expected });
      assert.equal(c.n, 4);
    }
    // A budget that forces a strided sample: the same subsets as the analysis on the two prompts.
    const budget = 3000;
    const sampled = await stsAnalysis(ex, PAIRS.slice(0, 3), { maxTrackedParams: budget });
    assert.ok(sampled.trackedFraction < 0.5, `sampled ${sampled.trackedFraction}`);
    for (const [i, pair] of PAIRS.slice(0, 3).entries()) {
      const ref = await activationAnalysis(ex, prompts(pair), { maxTrackedParams: budget });
      assert.equal(ref.trackedFraction, sampled.trackedFraction);
      assert.deepEqual(sampled.pairs[i].similarity, ref.pairs[0].similarity, `strided pair ${i}`);
    }
  } finally {
    await ex.release();
  }
});

test('cancelled between sentences; fewer than three pairs is an error', async () => {
  const { ex } = activationLlama();
  try {
    const abort = new AbortController();
    await assert.rejects(
      stsAnalysis(ex, PAIRS, { signal: abort.signal, onProgress: (p) => p.done === 3 && abort.abort() }),
      (e: unknown) => e instanceof CancelledError,
    );
    await assert.rejects(stsAnalysis(ex, PAIRS.slice(0, 2)), /at least 3 scored pairs/);
  } finally {
    await ex.release();
  }
});

test('sample model and built-in pairs: the job agrees with the activation job on the same two texts', async () => {
  const model = await openModel(join(REPO_ROOT, 'media/sample-model'));
  const sample = await readStsPairs({ kind: 'sample' });
  assert.equal(sample.length, 40);
  const scores = sample.map((p) => p.score);
  assert.ok(Math.min(...scores) === 0 && Math.max(...scores) === 5);
  const res = await runStsJob(model, { pairs: { kind: 'sample' }, maxPairs: 5 });
  assert.equal(res.source, 'built-in sample');
  assert.equal(res.pairsInSource, 40);
  assert.equal(res.pairs.length, 5);
  assert.equal(res.layers.length, 4);
  for (const c of res.layers) assert.ok(c.n === 5 && c.rho >= -1 && c.rho <= 1 && c.p >= 0 && c.p <= 1);
  for (const i of [0, 3]) {
    const p = sample[i];
    const ref = await runActivationJob(model, {
      prompts: [
        { kind: 'text', text: p.sentence1 },
        { kind: 'text', text: p.sentence2 },
      ],
    });
    assert.deepEqual(res.pairs[i].similarity, ref.pairs[0].similarity, `pair ${i}`);
    assert.equal(res.pairs[i].tokens1, ref.prompts[0].tokens);
  }
});
