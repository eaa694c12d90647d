/**
 * Prune and evaluate on media/sample-model: the pruned copy's tensors are the original bytes under
 * renumbered names, config.json has the new layer count, the original folder is untouched; the
 * perplexity equals exp of the executor's own language-model loss (an independent code path in
 * the head graph), and the per-window NLL matches a hand-computed two-token example.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readTensorF32 } from '../../../../../src/analysis/model/readRole';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { loadTokenizer } from '../../../../../src/analysis/model/tokenizer';
import { renumberedName, writePrunedModel } from '../../../../../src/analysis/methods/persistence/prune';
import { perplexity, windowNll } from '../../../../../src/analysis/methods/persistence/perplexity';
import { runPruneJob } from '../../../../../src/analysis/methods/persistence/job';
import { REPO_ROOT } from '../../../../paths';

const SAMPLE = join(REPO_ROOT, 'media/sample-model');

async function folderHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(dir, { recursive: true })).sort()) {
    const data = await readFile(join(dir, f)).catch(() => null);
    if (data) h.update(f).update(new Uint8Array(data));
  }
  return h.digest('hex');
}

test('windowNll: two tokens, vocabulary 3, by hand', () => {
  // logits at t=0: [0, ln 2, 0] → p(token 1) = 2/4, NLL = ln 2.
  assert.ok(Math.abs(windowNll([0, Math.log(2), 0, 9, 9, 9], [0, 1], 3) - Math.log(2)) < 1e-12);
});

test('renumbered tensor names', () => {
  assert.equal(renumberedName('model.layers.3.mlp.up_proj.weight', 3, 2, 'mlp.up_proj.weight'), 'model.layers.2.mlp.up_proj.weight');
  assert.equal(renumberedName('transformer.h.11.attn.c_attn.weight', 11, 9), 'transformer.h.9.attn.c_attn.weight');
  assert.throws(() => renumberedName('lm_head.weight', 3, 2), /cannot find layer index/);
});

test('pruned copy of the sample model: bytes, names, config; original untouched', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'll-prune-'));
  try {
    const before = await folderHash(SAMPLE);
    const model = await openModel(SAMPLE);
    const out = join(dir, 'pruned');
    const report = await writePrunedModel(model, [1], out);
    assert.deepEqual(report.removedLayers, [1]);
    assert.equal(report.keptLayers, 3);
    const pruned = await openModel(out);
    assert.equal(pruned.layers.length, 3);
    assert.equal(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).num_hidden_layers, 3);
    // New layer 1 is old layer 2, new 2 is old 3; layer 0 and the embeddings are unchanged.
    for (const [oldL, newL] of [
      [0, 0],
      [2, 1],
      [3, 2],
    ]) {
      const a = await readTensorF32(model, `model.layers.${oldL}.mlp.down_proj.weight`);
      const b = await readTensorF32(pruned, `model.layers.${newL}.mlp.down_proj.weight`);
      assert.deepEqual(b, a);
    }
    assert.deepEqual(await readTensorF32(pruned, 'model.embed_tokens.weight'), await readTensorF32(model, 'model.embed_tokens.weight'));
    assert.equal(pruned.tensors.size, model.tensors.size - model.layers[1].tensors.length);
    assert.ok((await readdir(out)).includes('tokenizer.json'));
    assert.equal(await folderHash(SAMPLE), before, 'original folder unchanged');
    await assert.rejects(writePrunedModel(model, [1], out), /not empty/);
    await assert.rejects(writePrunedModel(model, [0, 1, 2, 3], join(dir, 'all')), /every decoder layer/);
    await assert.rejects(writePrunedModel(model, [7], join(dir, 'bad')), /0\.\.3/);
    await assert.rejects(writePrunedModel(model, [1], join(SAMPLE, 'inside')), /outside the original/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('perplexity equals exp(executor lm-loss) on one window; prune-and-evaluate job end to end', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const tok = (await loadTokenizer(SAMPLE))!;
  const ids = tok.encode('Once upon a time, a little fox found a red ball in the garden.', { addBos: true });
  const ppl = await perplexity(model, ids, { engine, window: 128 });
  const ex = executorFor(model, { engine });
  try {
    const r = await ex.run([ids], { logits: 'none' }, { objective: 'lm-loss' });
    assert.ok(Math.abs(ppl.meanNll - r.objectiveValue!) < 1e-4, `${ppl.meanNll} vs ${r.objectiveValue}`);
  } finally {
    await ex.release();
  }
  assert.equal(ppl.tokens, ids.length - 1);
  assert.ok(ppl.perplexity < 20, 'the trained sample model predicts simple stories well');

  const dir = await mkdtemp(join(tmpdir(), 'll-prune-job-'));
  try {
    const held = join(dir, 'held.txt');
    await writeFile(held, 'The cat sat on the mat.\n\nTom and Lily went to the park to play.\n');
    await mkdir(join(dir, 'out'));
    const job = await runPruneJob(model, { layers: [2], outDir: join(dir, 'out'), heldOut: { kind: 'file', path: held } }, { engine });
    assert.equal(job.original.tokens, job.pruned.tokens);
    assert.ok(job.pruned.perplexity > job.original.perplexity * 0.5 && Number.isFinite(job.pruned.perplexity));
    assert.equal(job.heldOutSource, held);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
