// Tied embeddings in every stored form: copies of the trained stories260K written by this test with
// only `lm_head.weight` (as safetensors' save_model leaves a tied model, with its `__metadata__`
// alias {"model.embed_tokens.weight": "lm_head.weight"}, and without the alias) run forward,
// backward, activation and persistence exactly as the original, which stores only the embeddings;
// a config that denies the tie gets an error naming the missing tensor; GPT-2 saved lm_head-only
// (with and without the `transformer.` prefix) matches the numpy oracle.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../src/analysis/model/executor/index';
import { DecoderExecutor } from '../../../../src/analysis/model/executor/decoder';
import { decoderConfigFromJson } from '../../../../src/analysis/model/executor/config';
import { memoryWeightSource, type HostWeight } from '../../../../src/analysis/model/executor/weights';
import { resolveTiedNames } from '../../../../src/analysis/model/executor/tiedWeights';
import { getEngine, type Engine } from '../../../../src/analysis/engine/engine';
import { runActivationJob } from '../../../../src/analysis/methods/activation/job';
import { runPersistenceJob } from '../../../../src/analysis/methods/persistence/job';
import type { DType } from '../../../../src/analysis/io/dtypes';
import { writeSafetensors, type TensorSpec } from '../../../fixtures/safetensorsWriter';
import { lcgTensor } from '../../../fixtures/syntheticModel';
import { REPO_ROOT } from '../../../paths';

const STORIES = join(REPO_ROOT, 'test/fixtures/models/stories260K');
const EMBED = 'model.embed_tokens.weight';

/** Every tensor of a safetensors file as raw bytes, in file order (read independently of src/analysis/io). */
function readTensors(file: string): TensorSpec[] {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: DType; shape: number[]; data_offsets: [number, number] }>;
  return Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, bytes: new Uint8Array(buf.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1])) }));
}

let root: string, engine: Engine;
const dirs: Record<string, string> = {};

/** A copy of stories260K whose embeddings are stored as lm_head.weight only. */
async function lmHeadOnly(name: string, metadata: Record<string, string>, configPatch: Record<string, unknown> = {}): Promise<string> {
  const dir = join(root, name);
  const tensors = readTensors(join(STORIES, 'model.safetensors')).map((t) => (t.name === EMBED ? { ...t, name: 'lm_head.weight' } : t));
  assert.equal(tensors.filter((t) => t.name === 'lm_head.weight').length, 1);
  mkdirSync(dir);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt', ...metadata });
  const config = { ...JSON.parse(readFileSync(join(STORIES, 'config.json'), 'utf8')), ...configPatch };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'll-tied-'));
  engine = await getEngine({ providers: ['cpu'] });
  dirs.original = join(root, 'original');
  mkdirSync(dirs.original);
  for (const f of ['model.safetensors', 'config.json']) copyFileSync(join(STORIES, f), join(dirs.original, f));
  dirs.alias = await lmHeadOnly('alias', { [EMBED]: 'lm_head.weight' });
  dirs.bare = await lmHeadOnly('bare', {});
  dirs.deniedButAliased = await lmHeadOnly('denied-aliased', { [EMBED]: 'lm_head.weight' }, { tie_word_embeddings: false });
  dirs.denied = await lmHeadOnly('denied', {}, { tie_word_embeddings: false });
});
after(() => rmSync(root, { recursive: true, force: true }));

const PROMPT = [1, 403, 407, 261, 378, 434, 307, 379, 259, 500, 15];

async function forwardAndBackward(dir: string) {
  const model = await openModel(dir);
  const ex = executorFor(model, { engine });
  try {
    const fwd = await ex.run([PROMPT], { logits: 'all', hiddenStates: true });
    const headGrad = new Float32Array(512 * 64);
    const bwd = await ex.run([PROMPT], {}, { objective: 'lm-loss', onLmHeadGrad: (r0, _r1, g) => headGrad.set(g, r0 * 64) });
    return { cfg: ex.cfg, logits: fwd.logits!, hidden: fwd.hiddenStates!, loss: bwd.objectiveValue!, inputGrad: bwd.inputGrad!, headGrad };
  } finally {
    await ex.release();
  }
}

test('lm_head-only copies (with and without the __metadata__ alias) give the original logits and gradients bit for bit', async () => {
  const ref = await forwardAndBackward(dirs.original);
  assert.equal(ref.cfg.names.embed, EMBED);
  assert.equal(ref.cfg.tiedEmbeddings, true);
  assert.ok(ref.logits.some((v) => v !== 0) && Number.isFinite(ref.loss));
  for (const which of ['alias', 'bare', 'deniedButAliased']) {
    const r = await forwardAndBackward(dirs[which]);
    assert.equal(r.cfg.names.embed, 'lm_head.weight', which);
    assert.equal(r.cfg.names.lmHead, 'lm_head.weight', which);
    assert.equal(r.cfg.tiedEmbeddings, true, which);
    assert.deepEqual(r.logits, ref.logits, `${which}: logits`);
    r.hidden.forEach((h, l) => assert.deepEqual(h, ref.hidden[l], `${which}: hidden state ${l}`));
    assert.equal(r.loss, ref.loss, `${which}: loss`);
    assert.deepEqual(r.inputGrad, ref.inputGrad, `${which}: ∂loss/∂embeddings output`);
    assert.deepEqual(r.headGrad, ref.headGrad, `${which}: ∂loss/∂lm_head`);
  }
});

test('activation and persistence run on the lm_head-only copy with the original results', async () => {
  // Twelve 8-token prompts (BOS + ids from a fixed linear congruence), the first the story prompt.
  const ids = [PROMPT.slice(0, 8), ...Array.from({ length: 11 }, (_, p) => [1, ...Array.from({ length: 7 }, (_, t) => 3 + ((p * 131 + t * 71) % 509))])];
  const prompts = [{ kind: 'tokens' as const, ids }];
  const strip = <T extends { model: string; seconds: number; cached: unknown }>(r: T) => {
    const { model: _m, seconds: _s, cached: _c, ...rest } = r;
    return rest;
  };
  const act = async (dir: string) => strip(await runActivationJob(await openModel(dir), { prompts, maxTokens: 16 }, { engine }));
  const actRef = await act(dirs.original);
  assert.equal(actRef.promptsDone, 12);
  assert.ok(actRef.layerFraction.some((f) => f > 0) && actRef.prompts.every((p) => Number.isFinite(p.maxLogit)));
  assert.deepEqual(await act(dirs.alias), actRef);
  const pers = async (dir: string) => {
    const { forwardSeconds: _f, timings: _t, ...rest } = strip(await runPersistenceJob(await openModel(dir), { prompts, maxTokens: 16, k: 3 }, { engine }));
    return rest;
  };
  const persRef = await pers(dirs.original);
  assert.equal(persRef.points, 12);
  assert.deepEqual(await pers(dirs.alias), persRef);
});

test('a config denying the tie, with no alias, gets an error naming the missing embeddings', async () => {
  const model = await openModel(dirs.denied);
  assert.throws(() => executorFor(model, { engine }), /tensor "model\.embed_tokens\.weight" \(the input embeddings\) is missing.*tie_word_embeddings: false/);
});

test('an embedding whose shape disagrees with config.json is named', async () => {
  const model = await openModel(dirs.original);
  model.config = { ...model.config, hidden_size: 32, num_attention_heads: 4, num_key_value_heads: 4 };
  assert.throws(
    () => executorFor(model, { engine }),
    /tensor "model\.embed_tokens\.weight" \(the input embeddings\) has shape \[512, 64\], but config\.json needs \[512, 32\]/,
  );
});

test('resolveTiedNames: stored names first, then a metadata alias, then the other half of the tie', () => {
  const has = (names: string[]) => (n: string) => names.includes(n);
  assert.deepEqual(resolveTiedNames('e', 'h', has(['e', 'h'])), { embed: 'e', lmHead: 'h', tied: false });
  assert.deepEqual(resolveTiedNames('e', 'h', has(['e'])), { embed: 'e', lmHead: 'e', tied: true });
  assert.deepEqual(resolveTiedNames('e', 'h', has(['h'])), { embed: 'h', lmHead: 'h', tied: true });
  assert.deepEqual(resolveTiedNames('e', 'h', has(['h']), {}, false), { embed: 'e', lmHead: 'h', tied: false });
  assert.deepEqual(resolveTiedNames('e', 'h', has(['h', 'x']), { e: 'x' }, false), { embed: 'x', lmHead: 'h', tied: false });
  assert.deepEqual(resolveTiedNames('e', 'h', has(['x']), { e: 'x', h: 'x' }), { embed: 'x', lmHead: 'x', tied: true });
  // An alias to a tensor that is not stored, or to itself, is ignored.
  assert.deepEqual(resolveTiedNames('e', 'h', has(['h']), { e: 'missing' }), { embed: 'h', lmHead: 'h', tied: true });
  assert.deepEqual(resolveTiedNames('e', 'h', has(['e']), { h: 'h' }), { embed: 'e', lmHead: 'e', tied: true });
});

// GPT-2 from test/oracles/gpt_forward.json (stored as `wte.weight`, tied), re-saved lm_head-only.
test('GPT-2 saved lm_head-only, with and without the transformer. prefix, matches the numpy oracle', async () => {
  const c = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/gpt_forward.json'), 'utf8')).gpt2;
  for (const prefix of ['', 'transformer.']) {
    const w = new Map<string, HostWeight>();
    for (const t of c.tensors) {
      const n = t.shape.reduce((a: number, b: number) => a * b, 1);
      const data = t.scale === 'norm' ? lcgTensor(t.seed, n, 0.5).map((v) => 1 + v) : lcgTensor(t.seed, n, t.scale);
      w.set(t.name === 'wte.weight' ? 'lm_head.weight' : prefix + t.name, { shape: t.shape, data });
    }
    const cfg = decoderConfigFromJson(c.config, (n) => w.has(n), 'gpt2', { [`${prefix}wte.weight`]: 'lm_head.weight' });
    assert.equal(cfg.names.embed, 'lm_head.weight');
    assert.equal(cfg.names.layer(0), `${prefix}h.0.`);
    const ex = new DecoderExecutor(cfg, memoryWeightSource(w));
    try {
      const r = await ex.run([c.ids], { logits: 'all' });
      const V = cfg.vocabSize;
      let maxDiff = 0;
      c.logits.forEach((row: number[], t: number) => row.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(r.logits![t * V + j] - v)))));
      assert.ok(maxDiff < 1e-4, `prefix '${prefix}': max |Δlogit| = ${maxDiff}`);
    } finally {
      await ex.release();
    }
  }
});
