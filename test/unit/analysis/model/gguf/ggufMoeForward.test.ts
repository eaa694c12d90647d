// Forward passes on mixture-of-experts GGUF files (Qwen3-MoE, Qwen2-MoE, OLMoE, gpt-oss) written the way
// convert_hf_to_gguf.py writes them (ggufMoeModels.ts, test/fixtures/ggufLlama.ts: experts stacked
// per role, llama.cpp names, only the sizes in the metadata), against the same model saved as
// transformers saves it (per-expert tensors, config.json with the family's routing keys), which
// executor/forwardMoe.test.ts checks against the numpy oracle:
// - the synthesised config's routing equals the Hugging Face config's (llama.cpp's hard-coded rules);
// - F32 files: logits within 1e-5 of the safetensors model; Q8_0 files: of the safetensors model
//   holding the Q8_0-decoded weights (routers stay F32, as the converter keeps them);
// - gpt-oss (the tiny model of test/oracles/moe_forward.py): logits against the numpy oracle itself
//   and the safetensors model; its YaRN keeps transformers' unrounded correction range;
// - a file without an expert tensor, or whose expert tensors disagree in shape, is refused naming the
//   tensor; families still unsupported are refused saying so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { moeConfigFromJson } from '../../../../../src/analysis/model/executor/moeConfig';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { hfLlamaOf, q8Dequantized, writeGgufLlama, type GgufLlamaOptions } from '../../../../fixtures/ggufLlama';
import { MOE_DIMS, moeCase, writeGgufModel, writeSafetensorsModel, type GgufMoeArch } from './ggufMoeModels';
import { MOE_ORACLE, oracleWeights, writeOracleModel } from '../executor/moeOracleModel';
import { maxAbsDiff as maxDiff } from '../../engine/random';
import { runFile } from './ggufRun';

const IDS = [3, 17, 42, 8, 63, 0, 29, 11, 50];
const ARCHS: GgufMoeArch[] = ['qwen3moe', 'qwen2moe', 'olmoe'];
const MODEL_TYPE: Record<GgufMoeArch, string> = { qwen3moe: 'qwen3_moe', qwen2moe: 'qwen2_moe', olmoe: 'olmoe' };
/** The config.json keys that decide routing and expert sizes in transformers' modeling code. */
const ROUTING_KEYS = [
  'num_experts',
  'num_local_experts',
  'num_experts_per_tok',
  'norm_topk_prob',
  'moe_intermediate_size',
  'intermediate_size',
  'shared_expert_intermediate_size',
  'decoder_sparse_step',
  'mlp_only_layers',
];

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-moe-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const logitsOf = (path: string, ids = IDS) => runFile(path, ids, { experts: true });

for (const arch of ARCHS) {
  test(`${arch}: the synthesised config's routing keys equal the Hugging Face config's`, async () => {
    const c = moeCase(arch);
    const model = await openModel(writeGgufModel(join(dir, `${arch}-config.gguf`), c));
    const cfg = model.config!;
    assert.equal(cfg.model_type, MODEL_TYPE[arch]);
    for (const k of ROUTING_KEYS) assert.deepEqual(cfg[k], c.config[k], k);
    const type = MODEL_TYPE[arch];
    assert.deepEqual(moeConfigFromJson(cfg, type, MOE_DIMS.LAYERS), moeConfigFromJson(c.config, type, MOE_DIMS.LAYERS));
    assert.ok(
      model.layers.every((l) => l.moe?.experts.length === MOE_DIMS.E),
      "the role map sees every layer's experts",
    );
    assert.deepEqual(model.notes ?? [], [], 'the role map has nothing to say about the file');
  });

  test(`${arch}: F32 GGUF logits and expert choices equal the safetensors model's (1e-5)`, async () => {
    const c = moeCase(arch);
    const gguf = await logitsOf(writeGgufModel(join(dir, `${arch}-f32.gguf`), c));
    const st = await logitsOf(await writeSafetensorsModel(join(dir, `${arch}-st`), c));
    assert.deepEqual(gguf.moe, st.moe);
    const d = maxDiff(gguf.logits, st.logits);
    assert.ok(d < 1e-5, `max |Δlogit| = ${d}`);
    gguf.selection.forEach((s, l) => assert.deepEqual(s, st.selection[l], `layer ${l} expert choice`));
    // The routing rule matters for this model: the other norm_topk_prob gives other logits.
    const flipped = { ...c.config, norm_topk_prob: !c.config.norm_topk_prob };
    const other = await logitsOf(await writeSafetensorsModel(join(dir, `${arch}-st-flipped`), c, c.hf.weights, flipped));
    assert.ok(maxDiff(gguf.logits, other.logits) > 1e-3, 'norm_topk_prob changes the logits');
  });

  test(`${arch}: Q8_0 GGUF logits equal the safetensors model on the Q8_0-decoded weights (1e-5)`, async () => {
    const c = moeCase(arch, 2);
    const path = writeGgufModel(join(dir, `${arch}-q8.gguf`), c, { q8: true });
    const model = await openModel(path);
    assert.equal(model.tensors.get('blk.0.ffn_up_exps.weight')!.quant?.label, 'Q8_0');
    assert.equal(model.tensors.get('blk.1.ffn_down_exps.weight')!.quant?.label, 'Q8_0');
    assert.equal(model.tensors.get('blk.0.ffn_gate_inp.weight')!.dtype, 'F32');
    const gguf = await logitsOf(path);
    const st = await logitsOf(await writeSafetensorsModel(join(dir, `${arch}-st-q8`), c, q8Dequantized(c.hf)));
    const d = maxDiff(gguf.logits, st.logits);
    assert.ok(d < 1e-5, `max |Δlogit| = ${d}`);
    const f32 = await logitsOf(await writeSafetensorsModel(join(dir, `${arch}-st-q8-f32`), c));
    const q = maxDiff(gguf.logits, f32.logits);
    assert.ok(q > 1e-5 && q < 0.5, `Q8_0 vs F32: max |Δlogit| = ${q}`);
  });
}

test('qwen2moe: the shared expert and its sigmoid gate are read from ffn_*_shexp and ffn_gate_inp_shexp', async () => {
  const c = moeCase('qwen2moe', 3);
  const model = await openModel(writeGgufModel(join(dir, 'qwen2moe-shexp.gguf'), c));
  assert.equal(model.config!.shared_expert_intermediate_size, MOE_DIMS.SHARED_F);
  assert.ok(model.layers.every((l) => l.moe?.shared?.gate && l.moe.auxiliary.some((a) => a.role === 'shared_expert_gate')));
  // Without the shared expert's gate weights the model is a different one: the gate is really applied.
  const weights = new Map(c.hf.weights);
  for (let l = 0; l < MOE_DIMS.LAYERS; l++)
    weights.set(`model.layers.${l}.mlp.shared_expert_gate.weight`, { shape: [1, MOE_DIMS.D], data: new Float32Array(MOE_DIMS.D) });
  const gguf = await logitsOf(model.path);
  const zeroGate = await logitsOf(await writeSafetensorsModel(join(dir, 'qwen2moe-st-zero-gate'), c, weights));
  assert.ok(maxDiff(gguf.logits, zeroGate.logits) > 1e-3);
});

test('gate and up fused into ffn_gate_up_exps (--fuse-gate-up-exps), F32 and Q8_0: the same logits as separate tensors', async () => {
  for (const q8 of [false, true]) {
    const c = moeCase('qwen2moe', 4);
    const path = writeGgufModel(join(dir, `qwen2moe-fused-${q8}.gguf`), c, { fuseGateUp: true, q8 });
    const model = await openModel(path);
    assert.deepEqual(model.tensors.get('blk.0.ffn_gate_up_exps.weight')!.shape, [MOE_DIMS.E, 2 * MOE_DIMS.F, MOE_DIMS.D]);
    assert.ok(!model.tensors.has('blk.0.ffn_gate_exps.weight'));
    const fused = await logitsOf(path);
    const separate = await logitsOf(writeGgufModel(join(dir, `qwen2moe-separate-${q8}.gguf`), c, { q8 }));
    assert.ok(maxDiff(fused.logits, separate.logits) < 1e-6, `max |Δlogit| = ${maxDiff(fused.logits, separate.logits)}`);
  }
  // gpt-oss's gate/up biases fused the same way, against the numpy oracle.
  const c = MOE_ORACLE.cases.gpt_oss;
  const path = writeGptOss(join(dir, 'gpt-oss-fused.gguf'), { fuseGateUp: true });
  assert.ok((await openModel(path)).tensors.has('blk.1.ffn_gate_up_exps.bias'));
  const { logits } = await logitsOf(path, MOE_ORACLE.ids);
  const V = c.config.vocab_size;
  let m = 0;
  for (let t = 0; t < MOE_ORACLE.ids.length; t++) for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(logits[t * V + v] - c.logits[t][v]));
  assert.ok(m < 1e-4, `max |Δlogit| vs the numpy oracle = ${m}`);
});

test('without expert_feed_forward_length the expert width is feed_forward_length / expert_used_count, as llama.cpp falls back', async () => {
  const c = moeCase('qwen3moe');
  // feed_forward_length 64 / 2 experts per token = 32, the experts' real width.
  const model = await openModel(writeGgufModel(join(dir, 'qwen3moe-no-eff.gguf'), { ...c, hf: { ...c.hf, expertFeedForward: undefined, intermediate: 64 } }));
  assert.equal(model.config!.moe_intermediate_size, 32);
  const st = await logitsOf(await writeSafetensorsModel(join(dir, 'qwen3moe-no-eff-st'), c));
  assert.ok(maxDiff((await logitsOf(model.path)).logits, st.logits) < 1e-5);
});

test('a GGUF MoE file without one of its expert tensors is refused naming the tensor', async () => {
  const c = moeCase('qwen3moe');
  const path = writeGgufModel(join(dir, 'missing-up.gguf'), c, { edit: (t) => (t.name === 'blk.1.ffn_up_exps.weight' ? null : t) });
  const model = await openModel(path);
  assert.throws(
    () => executorFor(model),
    (e: Error) =>
      e instanceof ModelFileError &&
      /missing-up\.gguf: layer 1 has no tensor "blk\.1\.ffn_up_exps\.weight" \(the up projections of its 4 experts\), which every layer of a GGUF qwen3moe model needs/.test(
        e.message,
      ),
  );
  const noShared = writeGgufModel(join(dir, 'missing-shexp.gguf'), moeCase('qwen2moe'), {
    edit: (t) => (t.name === 'blk.0.ffn_gate_inp_shexp.weight' ? null : t),
  });
  const noSharedModel = await openModel(noShared);
  assert.throws(() => executorFor(noSharedModel), /layer 0 has no tensor "blk\.0\.ffn_gate_inp_shexp\.weight" \(the shared expert's gate\)/);
});

test('a GGUF MoE file whose expert tensors disagree in shape is refused naming the tensor', async () => {
  const c = moeCase('olmoe');
  const { D, E, F } = MOE_DIMS;
  // ffn_up_exps one row short per expert: [E, F − 1, D] beside ffn_gate_exps [E, F, D].
  const path = writeGgufModel(join(dir, 'short-up.gguf'), c, {
    edit: (t) => (t.name === 'blk.0.ffn_up_exps.weight' ? { name: t.name, type: 0, ne: [D, F - 1, E], values: new Float32Array(D * (F - 1) * E) } : t),
  });
  const model = await openModel(path);
  assert.throws(
    () => executorFor(model),
    (e: Error) =>
      e instanceof ModelFileError &&
      e.message.includes(
        `tensor "blk.0.ffn_up_exps.weight" (the up projections of its ${E} experts) has shape [${E}, ${F - 1}, ${D}], but the file's metadata implies [${E}, ${F}, ${D}]`,
      ),
  );
});

/** The oracle's gpt-oss model as GptOssModel converts it (unquantized experts), with extra metadata. */
function writeGptOss(path: string, opts: Pick<GgufLlamaOptions, 'metadata' | 'edit' | 'fuseGateUp'> = {}): string {
  const c = MOE_ORACLE.cases.gpt_oss;
  const cfg = c.config;
  const weights = new Map([...oracleWeights(c)].map(([n, w]) => [n, { shape: w.shape, data: Float32Array.from(w.data) }]));
  writeGgufLlama(
    path,
    {
      arch: 'gpt-oss',
      ...hfLlamaOf(cfg, weights),
      expertsUsed: cfg.num_experts_per_tok,
      expertFeedForward: cfg.intermediate_size,
      slidingWindow: cfg.sliding_window,
    },
    { experts: cfg.num_local_experts, ...opts },
  );
  return path;
}

test('gpt-oss GGUF: config as GptOssConfig, logits within 1e-4 of the numpy oracle and 1e-5 of the safetensors model', async () => {
  const c = MOE_ORACLE.cases.gpt_oss;
  const path = writeGptOss(join(dir, 'gpt-oss.gguf'));
  const model = await openModel(path);
  const cfg = model.config!;
  assert.equal(cfg.model_type, 'gpt_oss');
  for (const k of ['num_local_experts', 'num_experts_per_tok', 'intermediate_size', 'sliding_window', 'layer_types', 'head_dim'])
    assert.deepEqual(cfg[k], c.config[k], k);
  assert.deepEqual(moeConfigFromJson(cfg, 'gpt_oss', 3), moeConfigFromJson(c.config, 'gpt_oss', 3));
  assert.ok(model.tensors.has('blk.0.post_attention_norm.weight') && model.tensors.has('blk.0.attn_sinks.weight'));
  const ids = MOE_ORACLE.ids;
  const gguf = await logitsOf(path, ids);
  const V = c.config.vocab_size;
  let m = 0;
  for (let t = 0; t < ids.length; t++) for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(gguf.logits[t * V + v] - c.logits[t][v]));
  assert.ok(m < 1e-4, `max |Δlogit| vs the numpy oracle = ${m}`);
  const st = await logitsOf(await writeOracleModel(join(dir, 'gpt-oss-st'), c), ids);
  assert.ok(maxDiff(gguf.logits, st.logits) < 1e-5);
  gguf.selection.forEach((s, l) => assert.deepEqual(s, st.selection[l], `layer ${l} expert choice`));
});

test("gpt-oss GGUF with YaRN: the correction range stays unrounded (config.json's truncate: false), as on the safetensors model", async () => {
  const c = MOE_ORACLE.cases.gpt_oss;
  // head_dim 4: with an original context of 1000 the correction range is [0.35, 1.10], so rope pair 1 sits
  // inside the ramp unrounded (0.86) and at its middle rounded ([0, 2]: 0.5).
  const yarn = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 1000, beta_fast: 32, beta_slow: 1 };
  const path = writeGptOss(join(dir, 'gpt-oss-yarn.gguf'), {
    metadata: {
      'gpt-oss.rope.scaling.type': { type: 'string', value: 'yarn' },
      'gpt-oss.rope.scaling.factor': { type: 'f32', value: 4 },
      'gpt-oss.rope.scaling.original_context_length': { type: 'u32', value: 1000 },
      'gpt-oss.rope.scaling.yarn_beta_fast': { type: 'f32', value: 32 },
      'gpt-oss.rope.scaling.yarn_beta_slow': { type: 'f32', value: 1 },
    },
  });
  const model = await openModel(path);
  assert.deepEqual(model.config!.rope_scaling, {
    type: 'yarn',
    factor: 4,
    original_max_position_embeddings: 1000,
    beta_fast: 32,
    beta_slow: 1,
    truncate: false,
  });
  const ids = MOE_ORACLE.ids;
  const gguf = await logitsOf(path, ids);
  const st = (truncate: boolean) =>
    writeOracleModel(join(dir, `gpt-oss-yarn-${truncate}`), { ...c, config: { ...c.config, rope_scaling: { ...yarn, truncate } } });
  assert.ok(maxDiff(gguf.logits, (await logitsOf(await st(false), ids)).logits) < 1e-5);
  assert.ok(maxDiff(gguf.logits, (await logitsOf(await st(true), ids)).logits) > 1e-4, 'rounding the range would change the logits');
});

test("a gpt-oss GGUF without its experts' biases is refused naming the tensor", async () => {
  const path = writeGptOss(join(dir, 'gpt-oss-no-bias.gguf'), { edit: (t) => (t.name === 'blk.2.ffn_up_exps.bias' ? null : t) });
  const model = await openModel(path);
  assert.throws(
    () => executorFor(model),
    /layer 2 has no tensor "blk\.2\.ffn_up_exps\.bias" \(the experts' up biases\), which every layer of a GGUF gpt-oss model needs/,
  );
});

test('mixture-of-experts GGUF families the executor does not run yet are refused with a message that says so', async () => {
  const c = moeCase('qwen3moe');
  for (const [arch, type] of [['deepseek2', 'deepseek_v2']]) {
    const path = join(dir, `${arch}.gguf`);
    // Only the architecture decides the refusal, which comes before any tensor is looked at.
    writeGgufModel(path, c, {
      metadata: Object.fromEntries([
        ['general.architecture', { type: 'string', value: arch }],
        [`${arch}.block_count`, { type: 'u32', value: MOE_DIMS.LAYERS }],
        [`${arch}.embedding_length`, { type: 'u32', value: MOE_DIMS.D }],
        [`${arch}.expert_count`, { type: 'u32', value: MOE_DIMS.E }],
      ]),
    });
    const model = await openModel(path);
    assert.equal(model.config!.model_type, type);
    assert.throws(() => executorFor(model), new RegExp(`${arch}\\.gguf: running a GGUF ${type} model \\(mixture of experts\\) is not supported yet: `));
  }
});
