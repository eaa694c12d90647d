/**
 * Prompt truncation on media/sample-model. The reference tokenizes with
 * `max_length=2048, truncation=True` (a Hugging Face tokenizer cuts on the right), so a longer
 * prompt keeps its first tokens: the ids are the whole prompt's first N, the state read is the
 * whole prompt's state at token N (a causal model's first N states do not see later tokens), and
 * the result says which prompts were cut, on which side, to how many tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { loadTokenizer } from '../../../../../src/analysis/model/tokenizer';
import { hiddenStateClouds, runPersistenceJob, tokenizePrompts } from '../../../../../src/analysis/methods/persistence/job';
import { formatPersistence } from '../../../../../src/analysis/methods/persistence/cli';
import { persistenceTidyRows } from '../../../../../src/analysis/methods/persistence/csv';
import { truncationNote } from '../../../../../src/analysis/methods/persistence/truncation';
import { REPO_ROOT } from '../../../../paths';

const SAMPLE = join(REPO_ROOT, 'media/sample-model');
const LONG =
  'Once upon a time there was a little girl named Lily. She loved to play outside in the sunshine. ' +
  'One day she saw a big red ball in the park and ran to get it. Her friend Tom came too, and they ' +
  'played with the ball all day long. When the sun went down, they went home, tired and happy. ' +
  'The next morning Lily woke up early and looked out of the window: it was raining, so she stayed in and drew a picture of the ball.';

test('a longer prompt keeps its first tokens by default, its last on request; the report names it', async () => {
  const model = await openModel(SAMPLE);
  const tok = (await loadTokenizer(model.path))!;
  const full = tok.encode(LONG, { addBos: false });
  assert.ok(full.length > 256, `the long prompt has ${full.length} tokens, more than the sample model's context`);
  const sources = [
    { kind: 'text' as const, text: 'Tom saw a dog.' },
    { kind: 'text' as const, text: LONG },
  ];
  const first = await tokenizePrompts(model, sources, 40);
  assert.deepEqual(first.prompts[1], full.slice(0, 40));
  assert.deepEqual(first.prompts[0], tok.encode('Tom saw a dog.', { addBos: false }), 'a shorter prompt is whole');
  assert.deepEqual(first.truncation, { keep: 'first', maxTokens: 40, context: 256, limit: 40, truncated: [{ prompt: 1, kept: 40, of: full.length }] });
  const last = await tokenizePrompts(model, sources, 40, 'last');
  assert.deepEqual(last.prompts[1], full.slice(-40));
  assert.equal(last.truncation.keep, 'last');
  // The default limit is 2048 tokens, cut to the model's context (256 here).
  const byDefault = await tokenizePrompts(model, sources);
  assert.deepEqual(byDefault.prompts[1], full.slice(0, 256));
  assert.deepEqual(byDefault.truncation, { keep: 'first', maxTokens: 2048, context: 256, limit: 256, truncated: [{ prompt: 1, kept: 256, of: full.length }] });
  assert.equal(
    truncationNote(byDefault.truncation, 2),
    `1 of 2 prompts longer than 256 tokens (the model's context; 2048 asked) keep their first 256 (the longest had ${full.length})`,
  );
  assert.equal(truncationNote({ ...first.truncation, truncated: [] }, 2), 'no prompt longer than 40 tokens');
});

test("the state read from a prompt cut to its first N tokens is the whole prompt's state at token N", async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const tok = (await loadTokenizer(model.path))!;
  const full = tok.encode(LONG, { addBos: false }).slice(0, 200);
  const { prompts } = await tokenizePrompts(model, [{ kind: 'tokens', ids: [full] }], 57);
  const { clouds } = await hiddenStateClouds(model, prompts, { engine });
  const ex = executorFor(model, { engine });
  try {
    const r = await ex.run([full], { logits: 'none', postAttentionNorm: true });
    const d = 128;
    for (const l of [0, 3]) {
      const want = r.postAttentionNorm![l].subarray(56 * d, 57 * d);
      want.forEach((v, t) => assert.ok(Math.abs(v - clouds[l].data[t]) < 1e-4, `layer ${l} coord ${t}: ${clouds[l].data[t]} vs ${v}`));
    }
    // …and not the state at the prompt's end, which keep = 'last' (or the old default) would read.
    const end = r.postAttentionNorm![3].subarray(199 * d, 200 * d);
    assert.ok(end.some((v, t) => Math.abs(v - clouds[3].data[t]) > 1e-2));
  } finally {
    await ex.release();
  }
});

test('the job reports the truncation in its JSON, the CLI table and the tidy rows', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const r = await runPersistenceJob(
    model,
    {
      prompts: [
        { kind: 'builtin', perDomain: 4 },
        { kind: 'text', text: LONG },
      ],
      k: 3,
      maxTokens: 48,
    },
    { engine },
  );
  assert.equal(r.truncation.keep, 'first');
  assert.equal(r.truncation.limit, 48);
  assert.ok(r.truncation.truncated.some((t) => t.prompt === 16 && t.kept === 48 && t.of > 256));
  assert.ok(r.truncation.truncated.every((t) => t.kept === 48 && t.of > 48));
  const text = formatPersistence(r);
  assert.match(text, new RegExp(`tokens: ${r.truncation.truncated.length} of 17 prompts longer than 48 tokens keep their first 48`));
  const rows = persistenceTidyRows(r);
  assert.equal(rows.find((x) => x.metric === 'token_limit')?.value, 48);
  assert.equal(rows.find((x) => x.metric === 'prompts_truncated')?.value, r.truncation.truncated.length);
});
