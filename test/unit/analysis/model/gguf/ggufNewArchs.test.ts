// GGUF files of the 2025–2026 architectures whose llama.cpp conversion differs from the generic map
// (convert_hf_to_gguf.py): GLM-4.5's multi-token-prediction block written after the decoder blocks
// (block_count includes it, glm4moe.nextn_predict_layers says how many), GLM-4-0414's gate_up_proj
// written whole as ffn_up, and Qwen3.5's hybrid blocks — attn_q keeping each head's query rows then
// its output-gate rows, and linear-attention blocks whose attn_qkv is the delta rule's, not
// softmax attention's. Each matrix read back equals the rows the Hugging Face forward pass uses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import { writeGguf, type GgufMetaValue, type GgufTensorSpec } from '../../../../fixtures/ggufWriter';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-new-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (value: number): GgufMetaValue => ({ type: 'u32', value });
const str = (value: string): GgufMetaValue => ({ type: 'string', value });

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(seed * 1000 + i) * 0.5);
  return out;
}

/** An F32 matrix `[rows, cols]` (ggml ne = [cols, rows]). */
const mat = (name: string, rows: number, cols: number, seed: number): GgufTensorSpec => ({
  name,
  type: 0,
  ne: [cols, rows],
  values: values(rows * cols, seed),
});
const vec = (name: string, n: number, seed: number): GgufTensorSpec => ({ name, type: 0, ne: [n], values: values(n, seed) });
const rowsOf = (t: GgufTensorSpec, r0: number, r1: number) => [...(t.values as Float32Array).subarray(r0 * t.ne[0], r1 * t.ne[0])];

test('GLM-4.5 GGUF: the nextn block after the decoder blocks is not a layer; experts, shared expert and router map', async () => {
  const d = 16,
    E = 4,
    F = 6;
  const meta = {
    'general.architecture': str('glm4moe'),
    'glm4moe.embedding_length': u32(d),
    'glm4moe.block_count': u32(3),
    'glm4moe.nextn_predict_layers': u32(1),
    'glm4moe.feed_forward_length': u32(20),
    'glm4moe.expert_feed_forward_length': u32(F),
    'glm4moe.expert_count': u32(E),
    'glm4moe.expert_used_count': u32(2),
    'glm4moe.expert_shared_count': u32(1),
    'glm4moe.leading_dense_block_count': u32(1),
    'glm4moe.attention.head_count': u32(4),
    'glm4moe.attention.head_count_kv': u32(2),
    'glm4moe.attention.key_length': u32(4),
  };
  const block = (b: number, moe: boolean): GgufTensorSpec[] => [
    vec(`blk.${b}.attn_norm.weight`, d, 10 * b + 1),
    mat(`blk.${b}.attn_q.weight`, 16, d, 10 * b + 2),
    mat(`blk.${b}.attn_k.weight`, 8, d, 10 * b + 3),
    mat(`blk.${b}.attn_v.weight`, 8, d, 10 * b + 4),
    mat(`blk.${b}.attn_output.weight`, d, 16, 10 * b + 5),
    vec(`blk.${b}.post_attention_norm.weight`, d, 10 * b + 6),
    ...(moe
      ? [
          mat(`blk.${b}.ffn_gate_inp.weight`, E, d, 10 * b + 7),
          vec(`blk.${b}.exp_probs_b.bias`, E, 10 * b + 8),
          { name: `blk.${b}.ffn_gate_exps.weight`, type: 0, ne: [d, F, E], values: values(d * F * E, 10 * b + 9) },
          { name: `blk.${b}.ffn_up_exps.weight`, type: 0, ne: [d, F, E], values: values(d * F * E, 10 * b + 10) },
          { name: `blk.${b}.ffn_down_exps.weight`, type: 0, ne: [F, d, E], values: values(d * F * E, 10 * b + 11) },
          mat(`blk.${b}.ffn_gate_shexp.weight`, F, d, 10 * b + 12),
          mat(`blk.${b}.ffn_up_shexp.weight`, F, d, 10 * b + 13),
          mat(`blk.${b}.ffn_down_shexp.weight`, d, F, 10 * b + 14),
        ]
      : [
          mat(`blk.${b}.ffn_gate.weight`, 20, d, 10 * b + 7),
          mat(`blk.${b}.ffn_up.weight`, 20, d, 10 * b + 8),
          mat(`blk.${b}.ffn_down.weight`, d, 20, 10 * b + 9),
        ]),
  ];
  const nextn = [
    mat('blk.2.nextn.eh_proj.weight', d, 2 * d, 90),
    vec('blk.2.nextn.enorm.weight', d, 91),
    vec('blk.2.nextn.hnorm.weight', d, 92),
    vec('blk.2.nextn.shared_head_norm.weight', d, 93),
  ];
  const file = join(dir, 'glm45.gguf');
  writeGguf(file, meta, [
    mat('token_embd.weight', 32, d, 1),
    ...block(0, false),
    ...block(1, true),
    ...block(2, true),
    ...nextn,
    vec('output_norm.weight', d, 2),
  ]);
  const model = await openModel(file);
  assert.equal(model.architecture, 'glm4_moe');
  assert.deepEqual(
    model.layers.map((l) => l.index),
    [0, 1],
  );
  assert.ok(
    model.notes?.some((n) => /^Layer 2 .* multi-token-prediction \(nextn\) block/.test(n)),
    (model.notes ?? []).join('\n'),
  );
  assert.equal(model.layers[0].moe, undefined);
  assert.equal(model.layers[1].moe?.experts.length, E);
  assert.ok(model.layers[1].moe?.shared);
  const down = await readMatrixKind(model, 1, 'down', 3);
  assert.deepEqual([...down.data], [...values(d * F * E, 21).subarray(3 * d * F, 4 * d * F)]);
  assert.equal(model.attention?.headDim, 4);
});

test('GLM-4-0414 GGUF: ffn_up holds gate_up_proj whole, gate rows first', async () => {
  const d = 16,
    F = 12;
  const gateUp = mat('blk.0.ffn_up.weight', 2 * F, d, 7);
  const file = join(dir, 'glm4.gguf');
  writeGguf(
    file,
    {
      'general.architecture': str('glm4'),
      'glm4.embedding_length': u32(d),
      'glm4.block_count': u32(1),
      'glm4.feed_forward_length': u32(F),
      'glm4.attention.head_count': u32(4),
      'glm4.attention.head_count_kv': u32(2),
    },
    [
      vec('blk.0.attn_norm.weight', d, 1),
      mat('blk.0.attn_q.weight', d, d, 2),
      mat('blk.0.attn_k.weight', 8, d, 3),
      mat('blk.0.attn_v.weight', 8, d, 4),
      mat('blk.0.attn_output.weight', d, d, 5),
      vec('blk.0.ffn_norm.weight', d, 6),
      gateUp,
      mat('blk.0.ffn_down.weight', d, F, 8),
      vec('blk.0.post_ffw_norm.weight', d, 9),
    ],
  );
  const model = await openModel(file);
  assert.equal(model.architecture, 'glm4');
  assert.deepEqual([...(await readMatrixKind(model, 0, 'gate')).data], rowsOf(gateUp, 0, F));
  assert.deepEqual([...(await readMatrixKind(model, 0, 'up')).data], rowsOf(gateUp, F, 2 * F));
  assert.equal(model.layers[0].tensorRoles?.['blk.0.ffn_up.weight'], 'gate_up');
  assert.equal(model.layers[0].tensorRoles?.['blk.0.ffn_norm.weight'], 'mlp_norm');
});

test("Qwen3.5-MoE GGUF: q is the query rows of the gated attn_q; linear-attention blocks' attn_qkv is not q/k/v", async () => {
  const d = 16,
    H = 2,
    hd = 4,
    KV = 1,
    E = 4,
    F = 6;
  const Kd = 8,
    Vd = 16;
  const q = mat('blk.3.attn_q.weight', 2 * H * hd, d, 30);
  const linearBlock = (b: number): GgufTensorSpec[] => [
    mat(`blk.${b}.attn_qkv.weight`, 2 * Kd + Vd, d, 10 * b + 1),
    mat(`blk.${b}.attn_gate.weight`, Vd, d, 10 * b + 2),
    mat(`blk.${b}.ssm_beta.weight`, 4, d, 10 * b + 3),
    mat(`blk.${b}.ssm_alpha.weight`, 4, d, 10 * b + 4),
    { name: `blk.${b}.ssm_conv1d.weight`, type: 0, ne: [4, 2 * Kd + Vd], values: values(4 * (2 * Kd + Vd), 10 * b + 5) },
    vec(`blk.${b}.ssm_a`, 4, 10 * b + 6),
    vec(`blk.${b}.ssm_dt.bias`, 4, 10 * b + 7),
    vec(`blk.${b}.ssm_norm.weight`, 4, 10 * b + 8),
    mat(`blk.${b}.ssm_out.weight`, d, Vd, 10 * b + 9),
  ];
  const common = (b: number): GgufTensorSpec[] => [
    vec(`blk.${b}.attn_norm.weight`, d, 100 + b),
    vec(`blk.${b}.post_attention_norm.weight`, d, 110 + b),
    mat(`blk.${b}.ffn_gate_inp.weight`, E, d, 120 + b),
    { name: `blk.${b}.ffn_gate_exps.weight`, type: 0, ne: [d, F, E], values: values(d * F * E, 130 + b) },
    { name: `blk.${b}.ffn_up_exps.weight`, type: 0, ne: [d, F, E], values: values(d * F * E, 140 + b) },
    { name: `blk.${b}.ffn_down_exps.weight`, type: 0, ne: [F, d, E], values: values(d * F * E, 150 + b) },
    vec(`blk.${b}.ffn_gate_inp_shexp.weight`, d, 160 + b),
    mat(`blk.${b}.ffn_gate_shexp.weight`, F, d, 170 + b),
    mat(`blk.${b}.ffn_up_shexp.weight`, F, d, 180 + b),
    mat(`blk.${b}.ffn_down_shexp.weight`, d, F, 190 + b),
  ];
  const full = [
    q,
    mat('blk.3.attn_k.weight', KV * hd, d, 31),
    mat('blk.3.attn_v.weight', KV * hd, d, 32),
    mat('blk.3.attn_output.weight', d, H * hd, 33),
    vec('blk.3.attn_q_norm.weight', hd, 34),
    vec('blk.3.attn_k_norm.weight', hd, 35),
  ];
  const file = join(dir, 'qwen35moe.gguf');
  writeGguf(
    file,
    {
      'general.architecture': str('qwen35moe'),
      'qwen35moe.embedding_length': u32(d),
      'qwen35moe.block_count': u32(4),
      'qwen35moe.full_attention_interval': u32(4),
      'qwen35moe.expert_feed_forward_length': u32(F),
      'qwen35moe.expert_count': u32(E),
      'qwen35moe.expert_used_count': u32(2),
      'qwen35moe.attention.head_count': u32(H),
      'qwen35moe.attention.head_count_kv': u32(KV),
      'qwen35moe.attention.key_length': u32(hd),
    },
    [
      mat('token_embd.weight', 32, d, 1),
      ...[0, 1, 2].flatMap((b) => [...linearBlock(b), ...common(b)]),
      ...full,
      ...common(3),
      vec('output_norm.weight', d, 2),
    ],
  );
  const model = await openModel(file);
  assert.equal(model.architecture, 'qwen3_5_moe_text');
  for (const b of [0, 1, 2]) {
    assert.deepEqual(Object.keys(model.layers[b].roles), [], `block ${b} roles`);
    assert.equal(model.layers[b].tensorRoles?.[`blk.${b}.attn_qkv.weight`], 'other');
    assert.equal(model.layers[b].moe?.experts.length, E);
  }
  assert.deepEqual(Object.keys(model.layers[3].roles), ['q', 'k', 'v', 'o']);
  const want = [0, 1].flatMap((h) => rowsOf(q, 2 * h * hd, 2 * h * hd + hd));
  assert.deepEqual([...(await readMatrixKind(model, 3, 'q')).data], want);
  assert.deepEqual(model.attention, { numHeads: H, numKvHeads: KV, headDim: hd });
  assert.ok(
    model.notes?.some((n) => /^Layers 0–2 \(3 of 4\) are Gated DeltaNet/.test(n)),
    (model.notes ?? []).join('\n'),
  );
  assert.ok(model.notes?.some((n) => /^attn_q holds each head's query rows/.test(n)));
});
