// Forward passes on GGUF files written the way convert_hf_to_gguf.py writes them (q/k rows and
// biases permuted for llama, llama.cpp names, output.weight only when untied; test/fixtures/ggufLlama.ts):
// - the synthetic Llama/Qwen2/Qwen3 models of test/oracles/llama_forward.py, against the numpy
//   forward's logits;
// - the bundled sample model (GQA, tied), against the executor run on the original Hugging Face
//   weights in memory (checked against the numpy forward in executor/forwardStories.test.ts); Q8_0
//   files against the original model run on the Q8_0-decoded values;
// - rope_freqs.weight against transformers' `llama3` rope_scaling with the parameters the factors
//   were computed from, and the metadata's rope scaling types;
// - a text prompt through the file's own tokenizer: forward report and perplexity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readTensorF32 } from '../../../../../src/analysis/model/readRole';
import { DecoderExecutor, decoderConfigFromJson, executorFor, memoryWeightSource } from '../../../../../src/analysis/model/executor/index';
import { forwardReport } from '../../../../../src/analysis/model/executor/forwardReport';
import { perplexity } from '../../../../../src/analysis/methods/persistence/perplexity';
import { loadTokenizer } from '../../../../../src/analysis/model/tokenizer';
import { hfLlamaOf, q8Dequantized, writeGgufLlama, type HfLlama } from '../../../../fixtures/ggufLlama';
import { syntheticWeights } from '../../../../fixtures/syntheticModel';
import { MOE_ORACLE, oracleWeights } from '../executor/moeOracleModel';
import type { GgufMetaValue } from '../../../../fixtures/ggufWriter';
import { bpeGgufMetadata } from '../../../../fixtures/ggufTokenizerMetadata';
import { REPO_ROOT } from '../../../../paths';
import { maxAbsDiff as maxDiff } from '../../engine/random';
import { runFile } from './ggufRun';

const SAMPLE = join(REPO_ROOT, 'media', 'sample-model');
const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/llama_forward.json'), 'utf8'));
const IDS = [256, 79, 110, 99, 101, 32, 117, 112, 111, 110, 32, 97, 32, 116, 105, 109, 101];
let dir: string;
let hf: HfLlama;
let config: Record<string, unknown>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-forward-'));
  const model = await openModel(SAMPLE);
  config = model.config!;
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of model.tensors) weights.set(name, { shape: t.shape, data: await readTensorF32(model, name) });
  hf = {
    hidden: 128,
    intermediate: 344,
    layers: 4,
    heads: 4,
    kvHeads: 2,
    vocab: 259,
    context: 256,
    eps: 1e-5,
    theta: 10000,
    weights,
  };
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Logits [T·V] of the executor on Hugging Face weights in memory, with `cfg` overriding config.json keys. */
async function reference(weights: HfLlama['weights'], cfg: Record<string, unknown> = {}): Promise<Float32Array> {
  const c = decoderConfigFromJson({ ...config, ...cfg }, (n) => weights.has(n));
  const ex = new DecoderExecutor(c, memoryWeightSource(weights));
  try {
    return Float32Array.from((await ex.run([IDS], { logits: 'all' })).logits!);
  } finally {
    await ex.release();
  }
}

const ggufLogits = (path: string) => runFile(path, IDS);

test('F32 GGUF with tied embeddings: logits equal the safetensors model within 1e-5', async () => {
  const path = join(dir, 'tied-f32.gguf');
  writeGgufLlama(path, hf);
  const { logits, model } = await ggufLogits(path);
  assert.ok(!model.tensors.has('output.weight'), 'the file really is tied');
  const ref = await reference(hf.weights);
  assert.ok(maxDiff(logits, ref) < 1e-5, `max |Δlogit| = ${maxDiff(logits, ref)}`);
  // The same through the model opened from the safetensors folder (executorFor, file weight source).
  const st = await ggufLogits(SAMPLE);
  assert.ok(maxDiff(logits, st.logits) < 1e-5);
});

// The synthetic Llama-family models of test/oracles/llama_forward.py written as GGUF: logits against
// the numpy forward itself (q/k biases permuted with their weights for llama, none for Qwen2;
// Qwen3's q/k norms and explicit head_dim; tied and untied heads). Qwen3-VL's text model is written by
// convert_hf_to_gguf.py Qwen3VLTextModel(Qwen3Model) with Qwen3's tensors under `qwen3vl`: on text it
// is the same Qwen3 decoder.
for (const [name, archOf] of [['llama_default'], ['llama_tied'], ['llama_bias'], ['qwen2'], ['qwen3'], ['qwen3', 'qwen3vl']] as const) {
  test(`GGUF of the synthetic ${name} model${archOf ? ` as ${archOf}` : ''}: logits within 1e-4 of the numpy oracle`, async () => {
    const c = oracle.synthetic[name];
    const cfg = c.config;
    const weights = new Map([...syntheticWeights(cfg)].map(([n, w]) => [n, { shape: w.shape, data: Float32Array.from(w.data) }]));
    const arch = archOf ?? (cfg.model_type === 'llama' ? 'llama' : cfg.model_type);
    const path = join(dir, `synthetic-${name}-${arch}.gguf`);
    writeGgufLlama(path, {
      arch,
      ...hfLlamaOf(cfg, weights),
    });
    const model = await openModel(path);
    assert.equal(model.tensors.has('output.weight'), !cfg.tie_word_embeddings);
    const ex = executorFor(model);
    try {
      const r = await ex.run([c.ids], { logits: 'all' });
      const V = cfg.vocab_size;
      let m = 0;
      for (let t = 0; t < c.ids.length; t++) for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(r.logits![t * V + v] - c.logits[t][v]));
      assert.ok(m < 1e-4, `max |Δlogit| = ${m}`);
    } finally {
      await ex.release();
    }
  });
}

test('F32 GGUF with its own output.weight (untied): lm_head is read from it, not from the embeddings', async () => {
  const weights = new Map(hf.weights);
  const head = new Float32Array(259 * 128).map((_, i) => Math.sin(i * 0.37) * 0.05);
  weights.set('lm_head.weight', { shape: [259, 128], data: head });
  const path = join(dir, 'untied-f32.gguf');
  writeGgufLlama(path, { ...hf, weights });
  const { logits, model } = await ggufLogits(path);
  assert.ok(model.tensors.has('output.weight'));
  const ref = await reference(weights, { tie_word_embeddings: false });
  assert.ok(maxDiff(logits, ref) < 1e-5, `max |Δlogit| = ${maxDiff(logits, ref)}`);
  assert.ok(maxDiff(logits, await reference(hf.weights)) > 1e-2, 'an untied head changes the logits');
});

test('Q8_0 GGUF: logits equal the original model run on the Q8_0-decoded weights (1e-5), and differ from F32', async () => {
  const path = join(dir, 'tied-q8.gguf');
  writeGgufLlama(path, hf, { q8: true });
  const { logits, model } = await ggufLogits(path);
  assert.equal(model.tensors.get('blk.0.attn_q.weight')!.quant?.label, 'Q8_0');
  assert.equal(model.tensors.get('token_embd.weight')!.quant?.label, 'Q8_0');
  const ref = await reference(q8Dequantized(hf));
  assert.ok(maxDiff(logits, ref) < 1e-5, `max |Δlogit| = ${maxDiff(logits, ref)}`);
  const f32 = await reference(hf.weights);
  const d = maxDiff(logits, f32);
  assert.ok(d > 1e-5 && d < 0.5, `Q8_0 vs F32: max |Δlogit| = ${d}`);
});

test('rope_freqs.weight (Llama 3.1 scaling stored as a tensor) equals rope_scaling llama3 with the same parameters', async () => {
  // convert_hf_to_gguf.py LlamaModel.generate_extra_tensors, for head_dim 32, theta 10000.
  const scaling = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 };
  const dim = 32;
  const factors: number[] = [];
  for (let i = 0; i < dim; i += 2) {
    const freq = 1 / Math.pow(10000, i / dim);
    const wavelen = (2 * Math.PI) / freq;
    const lowWl = scaling.original_max_position_embeddings / scaling.low_freq_factor;
    const highWl = scaling.original_max_position_embeddings / scaling.high_freq_factor;
    if (wavelen < highWl) factors.push(1);
    else if (wavelen > lowWl) factors.push(scaling.factor);
    else {
      const smooth = (scaling.original_max_position_embeddings / wavelen - scaling.low_freq_factor) / (scaling.high_freq_factor - scaling.low_freq_factor);
      factors.push(1 / ((1 - smooth) / scaling.factor + smooth));
    }
  }
  assert.ok(
    factors.some((f) => f !== 1 && f !== 8),
    'the smooth band is exercised',
  );
  const path = join(dir, 'rope-freqs.gguf');
  writeGgufLlama(path, hf, { ropeFreqs: factors });
  const { logits } = await ggufLogits(path);
  const ref = await reference(hf.weights, { rope_scaling: scaling });
  assert.ok(maxDiff(logits, ref) < 1e-5, `max |Δlogit| = ${maxDiff(logits, ref)}`);
  assert.ok(maxDiff(logits, await reference(hf.weights)) > 1e-3, 'the scaling changes the logits');
});

test('rope scaling in the metadata: "none" is no scaling, "linear" is transformers\' linear scaling', async () => {
  const none = join(dir, 'rope-none.gguf');
  writeGgufLlama(none, hf, { metadata: { 'llama.rope.scaling.type': { type: 'string', value: 'none' } } });
  assert.ok(maxDiff((await ggufLogits(none)).logits, await reference(hf.weights)) < 1e-5);
  const linear = join(dir, 'rope-linear.gguf');
  writeGgufLlama(linear, hf, {
    metadata: { 'llama.rope.scaling.type': { type: 'string', value: 'linear' }, 'llama.rope.scaling.factor': { type: 'f32', value: 4 } },
  });
  const { logits } = await ggufLogits(linear);
  assert.ok(maxDiff(logits, await reference(hf.weights, { rope_scaling: { rope_type: 'linear', factor: 4 } })) < 1e-5);
  assert.ok(maxDiff(logits, await reference(hf.weights)) > 1e-3);
});

test("yarn scaling in the metadata stretches from rope.scaling.original_context_length, as transformers' original_max_position_embeddings", async () => {
  const path = join(dir, 'rope-yarn.gguf');
  writeGgufLlama(path, hf, {
    metadata: {
      'llama.rope.scaling.type': { type: 'string', value: 'yarn' },
      'llama.rope.scaling.factor': { type: 'f32', value: 4 },
      'llama.rope.scaling.original_context_length': { type: 'u32', value: 16 },
    },
  });
  const { logits, model } = await ggufLogits(path);
  assert.equal((model.config?.rope_scaling as { original_max_position_embeddings?: number }).original_max_position_embeddings, 16);
  const yarn = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16 };
  assert.ok(maxDiff(logits, await reference(hf.weights, { rope_scaling: yarn })) < 1e-5);
  assert.ok(
    maxDiff(logits, await reference(hf.weights, { rope_scaling: { ...yarn, original_max_position_embeddings: 64 } })) > 1e-4,
    'the original context matters',
  );
});

test('a rope_freqs.weight of the wrong length is refused naming the tensor', async () => {
  const path = join(dir, 'rope-freqs-short.gguf');
  writeGgufLlama(path, hf, { ropeFreqs: [1, 2, 3] });
  const model = await openModel(path);
  assert.throws(() => executorFor(model), /rope_freqs\.weight.*3 factors.*16 frequency pairs/);
});

test('Mixtral GGUF (llama architecture with fused experts): logits within 1e-4 of the numpy MoE oracle', async () => {
  const c = MOE_ORACLE.cases.mixtral;
  const cfg = c.config;
  const weights = new Map([...oracleWeights(c)].map(([n, w]) => [n, { shape: w.shape, data: Float32Array.from(w.data) }]));
  const path = join(dir, 'mixtral.gguf');
  writeGgufLlama(
    path,
    {
      ...hfLlamaOf(cfg, weights),
      expertsUsed: cfg.num_experts_per_tok,
    },
    { experts: cfg.num_local_experts },
  );
  const model = await openModel(path);
  assert.equal(model.config!.model_type, 'mixtral');
  const ex = executorFor(model);
  try {
    const r = await ex.run([MOE_ORACLE.ids], { logits: 'all' });
    const V = cfg.vocab_size;
    let m = 0;
    for (let t = 0; t < MOE_ORACLE.ids.length; t++) for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(r.logits![t * V + v] - c.logits[t][v]));
    assert.ok(m < 1e-4, `max |Δlogit| = ${m}`);
  } finally {
    await ex.release();
  }
});

/** The sample model's tokenizer.json as convert_hf_to_gguf.py stores it (its BOS rule from tokenizer_config.json's add_bos_token). */
function sampleTokenizerMetadata(): Record<string, GgufMetaValue> {
  const tj = JSON.parse(readFileSync(join(SAMPLE, 'tokenizer.json'), 'utf8'));
  return bpeGgufMetadata(tj, 'gpt-2', 256, {
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: 257 },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
  });
}

test('text prompts run on a Q8_0 GGUF with its own tokenizer: ids, top tokens and perplexity as the original on the same weights', async () => {
  const path = join(dir, 'with-tokenizer-q8.gguf');
  writeGgufLlama(path, hf, { q8: true, metadata: sampleTokenizerMetadata() });
  const text = 'Once upon a time, there was a';
  const ggufTok = (await loadTokenizer(path))!;
  const stTok = (await loadTokenizer(SAMPLE))!;
  assert.equal(ggufTok.addsBos, true);
  assert.equal(ggufTok.bosId, 256);
  assert.deepEqual(ggufTok.encode(text), stTok.encode(text));
  assert.deepEqual(ggufTok.encode(text), [256, ...Buffer.from(text)]);
  assert.equal(ggufTok.decode(ggufTok.encode(text, { addBos: false })), text);

  const model = await openModel(path);
  const report = await forwardReport(model, { text, top: 5 });
  assert.deepEqual(
    report.tokens.map((t) => t.id),
    [256, ...Buffer.from(text)],
  );
  const ids = report.tokens.map((t) => t.id);
  const c = decoderConfigFromJson(config, (n) => hf.weights.has(n));
  const ex = new DecoderExecutor(c, memoryWeightSource(q8Dequantized(hf)));
  let all: Float32Array;
  try {
    all = Float32Array.from((await ex.run([ids], { logits: 'all' })).logits!);
  } finally {
    await ex.release();
  }
  const V = 259;
  const last = all.subarray((ids.length - 1) * V);
  const order = [...last.keys()].sort((a, b) => last[b] - last[a]).slice(0, 5);
  assert.deepEqual(
    report.top.map((t) => t.id),
    order,
  );
  for (const t of report.top) assert.ok(Math.abs(t.logit - last[t.id]) < 1e-5);

  // Perplexity of the prompt in one window: the mean next-token NLL of the reference logits.
  const ppl = await perplexity(model, ids);
  let nll = 0;
  for (let t = 0; t + 1 < ids.length; t++) {
    const row = all.subarray(t * V, (t + 1) * V);
    const m = Math.max(...row);
    nll += m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[ids[t + 1]];
  }
  assert.equal(ppl.tokens, ids.length - 1);
  assert.ok(Math.abs(ppl.meanNll - nll / (ids.length - 1)) < 1e-5, `mean NLL ${ppl.meanNll} vs ${nll / (ids.length - 1)}`);
});
