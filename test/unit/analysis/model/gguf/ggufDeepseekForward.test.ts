// Forward passes on DeepSeek-V3 GGUF files (llama.cpp architecture deepseek2) written the way
// convert_hf_to_gguf.py DeepseekV2Model writes them (test/fixtures/ggufDeepseek.ts: kv_b_proj split
// into attn_k_b (transposed per head) and attn_v_b, or the older attn_kv_b; the routing, latent
// attention and YaRN keys), against the same model saved as transformers saves it, which
// executor/forwardMoe.test.ts checks against the numpy oracle:
// - the synthesised config's routing and MLA keys equal the Hugging Face config's;
// - F32 files: logits within 1e-4 of the numpy oracle and 1e-5 of the safetensors model; Q8_0 files:
//   within 1e-5 of the safetensors model holding the Q8_0-decoded weights;
// - YaRN's attention scale comes back from yarn_log_multiplier / 0.1;
// - a missing latent-attention tensor, an inconsistent k_b / v_b shape or a missing expert-choice
//   bias is refused naming the tensor; a DeepSeek-V2 (softmax gating) file is refused saying why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { moeConfigFromJson } from '../../../../../src/analysis/model/executor/moeConfig';
import { mlaConfigFromJson } from '../../../../../src/analysis/model/executor/mla';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { decodedWeights, writeGgufDeepseek, type DeepseekGgufOptions } from '../../../../fixtures/ggufDeepseek';
import { MOE_ORACLE } from '../executor/moeOracleModel';
import { oracleCase, q8Case, writeSafetensorsDeepseek, type DeepseekCase } from './ggufDeepseekModels';
import { maxAbsDiff as maxDiff } from '../../engine/random';
import { runFile } from './ggufRun';

/** DeepseekV3Config keys that decide routing and latent attention in transformers' modeling code. */
const KEYS = [
  'first_k_dense_replace',
  'n_routed_experts',
  'num_experts_per_tok',
  'n_shared_experts',
  'moe_intermediate_size',
  'intermediate_size',
  'routed_scaling_factor',
  'norm_topk_prob',
  'n_group',
  'topk_group',
  'q_lora_rank',
  'kv_lora_rank',
  'qk_nope_head_dim',
  'qk_rope_head_dim',
  'v_head_dim',
  'num_key_value_heads',
  'head_dim',
  'rope_interleave',
];

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-deepseek-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const logitsOf = (path: string, ids = MOE_ORACLE.ids) => runFile(path, ids, { experts: true });

function gguf(name: string, c: DeepseekCase, opts: DeepseekGgufOptions = {}): string {
  return writeGgufDeepseek(join(dir, `${name}.gguf`), c.config, c.weights, opts);
}

const st = (name: string, c: DeepseekCase, weights = c.weights, config = c.config) => writeSafetensorsDeepseek(join(dir, name), config, weights);

for (const layout of ['split', 'kv_b'] as const) {
  test(`DeepSeek-V3 GGUF (${layout}): config as DeepseekV3Config, logits equal the numpy oracle's and the safetensors model's`, async () => {
    const c = oracleCase('deepseek_v3');
    const path = gguf(`v3-${layout}`, c, { layout });
    const model = await openModel(path);
    const cfg = model.config!;
    assert.equal(cfg.model_type, 'deepseek_v3');
    for (const k of KEYS) assert.deepEqual(cfg[k], c.config[k], k);
    assert.equal(cfg.scoring_func, 'sigmoid');
    assert.deepEqual(moeConfigFromJson(cfg, 'deepseek_v3', 3), moeConfigFromJson(c.config, 'deepseek_v3', 3));
    assert.deepEqual(mlaConfigFromJson(cfg), mlaConfigFromJson(c.config));
    assert.ok(model.tensors.has(layout === 'split' ? 'blk.1.attn_k_b.weight' : 'blk.1.attn_kv_b.weight'));
    assert.ok(
      model.layers.slice(1).every((l) => l.moe?.experts.length === 8 && l.moe.shared),
      'the role map sees the routed and shared experts',
    );
    assert.ok(
      (model.notes ?? []).every((n) => n.startsWith('Multi-head latent attention')),
      (model.notes ?? []).join('\n'),
    );
    const got = await logitsOf(path);
    const oracle = MOE_ORACLE.cases.deepseek_v3.logits;
    const V = c.config.vocab_size;
    let m = 0;
    oracle.forEach((row, t) => row.forEach((want, v) => (m = Math.max(m, Math.abs(got.logits[t * V + v] - want)))));
    assert.ok(m < 1e-4, `max |Δlogit| vs the numpy oracle = ${m}`);
    const ref = await logitsOf(await st(`v3-${layout}-st`, c));
    const d = maxDiff(got.logits, ref.logits);
    assert.ok(d < 1e-5, `max |Δlogit| vs safetensors = ${d}`);
    got.selection.forEach((s, l) => assert.deepEqual(s, ref.selection[l], `layer ${l} expert choice`));
  });
}

test('DeepSeek-V3 GGUF without q_lora (attn_q) and with YaRN: the attention scale comes back from yarn_log_multiplier', async () => {
  // The oracle case stores its rope dims un-interleaved; a GGUF file always means interleaved (llama.cpp rotates adjacent pairs).
  const c = oracleCase('deepseek_v3_no_q_lora_yarn', { rope_interleave: true });
  for (const mscale of [1, 0.707]) {
    const rs = { ...c.config.rope_scaling, mscale, mscale_all_dim: mscale };
    const config = { ...c.config, rope_scaling: rs };
    const path = gguf(`v3-yarn-${mscale}`, { ...c, config });
    const model = await openModel(path);
    assert.equal(model.config!.q_lora_rank, null);
    assert.equal(model.config!.norm_topk_prob, false, 'expert_weights_norm is not written when false');
    // The converter stores 0.1 · mscale_all_dim as f32 and llama.cpp divides it by 0.1f: 0.707 comes back as the float 0.70699996.
    const { mscale: m, mscale_all_dim: all, ...rest } = model.config!.rope_scaling as Record<string, number>;
    assert.deepEqual(rest, { type: 'yarn', factor: 4, original_max_position_embeddings: 16 });
    assert.ok(m === all && Math.abs(m - mscale) < 1e-7, `mscale ${m}, mscale_all_dim ${all}`);
    const { scaling: a, ...mla } = mlaConfigFromJson(model.config!);
    const { scaling: b, ...want } = mlaConfigFromJson(config);
    assert.deepEqual(mla, want);
    assert.ok(Math.abs(a / b - 1) < 1e-7, `scaling ${a} vs ${b}`);
    const got = await logitsOf(path);
    const d = maxDiff(got.logits, (await logitsOf(await st(`v3-yarn-${mscale}-st`, c, c.weights, config))).logits);
    assert.ok(d < 1e-5, `mscale ${mscale}: max |Δlogit| = ${d}`);
    // Without the mscale² the logits differ: the scale is really applied.
    const plain = { ...config, rope_scaling: { ...rs, mscale: undefined, mscale_all_dim: undefined } };
    assert.ok(maxDiff(got.logits, (await logitsOf(await st(`v3-yarn-${mscale}-plain`, c, c.weights, plain))).logits) > 1e-4);
  }
});

for (const layout of ['split', 'kv_b'] as const) {
  test(`DeepSeek-V3 Q8_0 GGUF (${layout}): logits equal the safetensors model on the Q8_0-decoded weights`, async () => {
    const c = q8Case(layout === 'split' ? 3 : 4);
    const path = gguf(`v3-q8-${layout}`, c, { layout, q8: true });
    const model = await openModel(path);
    const kv = layout === 'split' ? ['blk.1.attn_k_b.weight', 'blk.1.attn_v_b.weight'] : ['blk.1.attn_kv_b.weight'];
    for (const n of [...kv, 'blk.0.attn_q_b.weight', 'blk.2.ffn_down_exps.weight']) assert.equal(model.tensors.get(n)!.quant?.label, 'Q8_0', n);
    assert.equal(model.tensors.get('blk.1.ffn_gate_inp.weight')!.dtype, 'F32');
    assert.equal(model.config!.rope_scaling && (model.config!.rope_scaling as any).mscale_all_dim, 1);
    const ids = [3, 17, 42, 8, 63, 0, 29, 11, 50];
    const got = await logitsOf(path, ids);
    const ref = await logitsOf(await st(`v3-q8-${layout}-st`, c, decodedWeights(c.config, c.weights, { layout, q8: true })), ids);
    const d = maxDiff(got.logits, ref.logits);
    assert.ok(d < 1e-5, `max |Δlogit| = ${d}`);
    got.selection.forEach((s, l) => assert.deepEqual(s, ref.selection[l], `layer ${l} expert choice`));
    const f32 = maxDiff(got.logits, (await logitsOf(await st(`v3-q8-${layout}-f32`, c), ids)).logits);
    // The blocks really are rounded (the rounding may flip an expert choice, so no upper bound).
    assert.ok(f32 > 1e-5, `Q8_0 vs F32: max |Δlogit| = ${f32}`);
  });
}

test('a DeepSeek-V3 GGUF converted before the expert-group keys runs without the group limit, as llama.cpp runs it', async () => {
  const c = q8Case(5);
  const path = gguf('v3-no-groups', c, { groups: false });
  const model = await openModel(path);
  assert.equal(model.config!.n_group, 1);
  assert.equal(model.config!.topk_group, 1);
  const got = await logitsOf(path);
  const ungrouped = await logitsOf(await st('v3-no-groups-st', c, c.weights, { ...c.config, n_group: 1, topk_group: 1 }));
  assert.ok(maxDiff(got.logits, ungrouped.logits) < 1e-5);
  // With the groups written the same weights route otherwise.
  const grouped = await logitsOf(gguf('v3-groups', c));
  assert.ok(maxDiff(got.logits, grouped.logits) > 1e-4, 'the group limit changes the routing of this model');
});

test('a DeepSeek-V3 GGUF without a latent-attention tensor is refused naming the tensor', async () => {
  const c = oracleCase('deepseek_v3');
  for (const [name, what] of [
    ['blk.1.attn_kv_a_norm.weight', 'the key/value latent norm kv_a_layernorm'],
    ['blk.2.attn_v_b.weight', "the values' up-projection (kv_b_proj's value rows)"],
    ['blk.0.attn_q_b.weight', "the query's up-projection q_b_proj"],
  ]) {
    const path = gguf(`missing-${name}`, c, { edit: (t) => (t.name === name ? null : t) });
    const model = await openModel(path);
    assert.throws(
      () => executorFor(model),
      (e: Error) =>
        e instanceof ModelFileError &&
        e.message.includes(
          `layer ${name.split('.')[1]} has no tensor "${name}" (${what}), which the multi-head latent attention of a GGUF deepseek2 model needs`,
        ),
    );
  }
  const noBias = await openModel(gguf('missing-bias', c, { edit: (t) => (t.name === 'blk.2.exp_probs_b.bias' ? null : t) }));
  assert.throws(() => executorFor(noBias), /layer 2 has no tensor "blk\.2\.exp_probs_b\.bias" \(the router's expert-choice bias e_score_correction_bias\)/);
});

test('a DeepSeek-V3 GGUF whose k_b or v_b disagrees with the metadata is refused naming the tensor', async () => {
  const c = oracleCase('deepseek_v3');
  const { num_attention_heads: H, kv_lora_rank: r, qk_nope_head_dim: nope, v_head_dim: v } = c.config;
  // k_b stored untransposed ([H, nope, r], as kv_b_proj's rows), and v_b one value row short.
  const cases: Array<[string, number[], number[]]> = [
    ['blk.1.attn_k_b.weight', [r, nope, H], [H, r, nope]],
    ['blk.0.attn_v_b.weight', [r, v - 1, H], [H, v, r]],
  ];
  for (const [name, ne, want] of cases) {
    const path = gguf(`bad-${name}`, c, {
      edit: (t) => (t.name === name ? { name, type: 0, ne, values: new Float32Array(ne.reduce((a, b) => a * b, 1)) } : t),
    });
    const model = await openModel(path);
    const got = [...ne].reverse();
    assert.throws(
      () => executorFor(model),
      (e: Error) =>
        e instanceof ModelFileError &&
        e.message.includes(`tensor "${name}"`) &&
        e.message.includes(`has shape [${got.join(', ')}], but the file's metadata implies [${want.join(', ')}]`),
    );
  }
});

test('a DeepSeek-V2 GGUF (softmax gating, or none) is refused saying why', async () => {
  const c = oracleCase('deepseek_v3');
  for (const gating of [1, null]) {
    const model = await openModel(gguf(`v2-${gating}`, c, { gating }));
    assert.equal(model.config!.model_type, 'deepseek_v2');
    assert.equal(model.config!.scoring_func, 'softmax');
    assert.throws(
      () => executorFor(model),
      /running a GGUF deepseek_v2 model \(mixture of experts\) is not supported yet: DeepSeek-V2 files \(softmax expert gating\) are routed and scaled by llama\.cpp differently/,
    );
  }
});
