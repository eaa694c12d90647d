// Opening GGUF files: a Llama-shaped two-layer file with the metadata llama.cpp writes (roles,
// geometry, metadata strings, q/k rows restored from convert_hf_to_gguf.py's permutation, compared
// with the un-permuted matrices of test/oracles/gguf_quants.py), a mixture-of-experts file (3-D
// expert tensors, router, shared expert), a folder holding one or several .gguf files, and the
// `layer-lens matrix` / `inspect` commands on a .gguf file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAllF32 } from '../../../../../src/analysis/io/tensorReader';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import { writeGguf, type GgufMetaValue, type GgufTensorSpec } from '../../../../fixtures/ggufWriter';
import { REPO_ROOT } from '../../../../paths';

const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/gguf_quants.json'), 'utf8')) as {
  permute: { hidden: number; heads: number; kv_heads: number; q_hf: number[]; k_hf: number[]; q_gguf: number[]; k_gguf: number[] };
  types: Record<string, { id: number; ne: [number, number]; bytes: string; bits: number[] }>;
};
const P = oracle.permute;

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-open-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (value: number): GgufMetaValue => ({ type: 'u32', value });
const f32 = (value: number): GgufMetaValue => ({ type: 'f32', value });
const str = (value: string): GgufMetaValue => ({ type: 'string', value });

/** Deterministic values for a tensor of `n` elements. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(seed * 1000 + i) * 0.5);
  return out;
}

const VOCAB = 40;
const FF = 32;

function llamaFile(path: string, arch = 'llama'): void {
  const d = P.hidden;
  const kvRows = P.kv_heads * (d / P.heads);
  const meta: Record<string, GgufMetaValue> = {
    'general.architecture': str(arch),
    'general.name': str('tiny llama'),
    'general.file_type': u32(7),
    [`${arch}.context_length`]: u32(2048),
    [`${arch}.embedding_length`]: u32(d),
    [`${arch}.block_count`]: u32(2),
    [`${arch}.feed_forward_length`]: u32(FF),
    [`${arch}.rope.dimension_count`]: u32(d / P.heads),
    [`${arch}.attention.head_count`]: u32(P.heads),
    [`${arch}.attention.head_count_kv`]: u32(P.kv_heads),
    [`${arch}.attention.layer_norm_rms_epsilon`]: f32(1e-5),
    [`${arch}.rope.freq_base`]: f32(500000),
    'tokenizer.ggml.model': str('gpt2'),
    'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', items: Array.from({ length: VOCAB }, (_, i) => `t${i}`) },
    'tokenizer.ggml.token_type': { type: 'array', itemType: 'i32', items: Array.from({ length: VOCAB }, () => 1) },
    'general.quantization_version': u32(2),
  };
  const tensors: GgufTensorSpec[] = [
    { name: 'token_embd.weight', type: 0, ne: [d, VOCAB], values: values(d * VOCAB, 1) },
    { name: 'output_norm.weight', type: 0, ne: [d], values: values(d, 2) },
    { name: 'output.weight', type: 0, ne: [d, VOCAB], values: values(d * VOCAB, 3) },
  ];
  for (let l = 0; l < 2; l++) {
    tensors.push(
      { name: `blk.${l}.attn_norm.weight`, type: 0, ne: [d], values: values(d, 10 + l) },
      { name: `blk.${l}.attn_q.weight`, type: 0, ne: [d, d], values: P.q_gguf },
      { name: `blk.${l}.attn_k.weight`, type: 0, ne: [d, kvRows], values: P.k_gguf },
      { name: `blk.${l}.attn_v.weight`, type: 0, ne: [d, kvRows], values: values(d * kvRows, 20 + l) },
      { name: `blk.${l}.attn_output.weight`, type: 0, ne: [d, d], values: values(d * d, 30 + l) },
      { name: `blk.${l}.ffn_norm.weight`, type: 0, ne: [d], values: values(d, 40 + l) },
      { name: `blk.${l}.ffn_gate.weight`, type: 0, ne: [d, FF], values: values(d * FF, 50 + l) },
      { name: `blk.${l}.ffn_up.weight`, type: 0, ne: [d, FF], values: values(d * FF, 60 + l) },
      // ffn_down quantized (Q8_0 rows of 32 values): the oracle's Q8_0 blocks, 16 rows of one block each.
      { name: `blk.${l}.ffn_down.weight`, type: 8, ne: [FF, d], bytes: q8Blocks(d) },
    );
  }
  writeGguf(path, meta, tensors);
}

/** `rows` Q8_0 blocks (one row of 32 values each), cycled from the oracle's blocks. */
function q8Blocks(rows: number): Uint8Array {
  const src = new Uint8Array(Buffer.from(oracle.types.Q8_0.bytes, 'hex'));
  const out = new Uint8Array(rows * 34);
  for (let r = 0; r < rows; r++) out.set(src.subarray((r % (src.length / 34)) * 34, (r % (src.length / 34)) * 34 + 34), r * 34);
  return out;
}

test('a Llama GGUF: geometry and config from its metadata, layers and roles, q/k equal to the Hugging Face q_proj/k_proj', async () => {
  const file = join(dir, 'llama.gguf');
  llamaFile(file);
  const model = await openModel(file);
  assert.equal(model.architecture, 'llama');
  assert.match(model.architectureLabel, /LlamaForCausalLM/);
  assert.deepEqual(model.attention, { numHeads: P.heads, numKvHeads: P.kv_heads, headDim: P.hidden / P.heads });
  assert.equal(model.hiddenSize, P.hidden);
  assert.equal(model.intermediateSize, FF);
  assert.equal(model.vocabSize, VOCAB);
  assert.equal(model.config?.rope_theta, 500000);
  assert.equal(model.config?.num_hidden_layers, 2);
  assert.equal(model.metadata['general.name'], 'tiny llama');
  assert.equal(model.metadata['tokenizer.ggml.tokens'], `[array of ${VOCAB} strings]`);
  assert.equal(model.metadata['GGUF version'], '3');
  assert.equal(model.layers.length, 2);
  for (const l of model.layers) assert.deepEqual(Object.keys(l.roles), ['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
  assert.equal(model.layers[1].tensorRoles?.['blk.1.attn_norm.weight'], 'attn_norm');
  assert.equal(model.layers[1].tensorRoles?.['blk.1.ffn_norm.weight'], 'mlp_norm');
  assert.equal(model.otherRoles.get('token_embd.weight'), 'embed');
  assert.equal(model.otherRoles.get('output_norm.weight'), 'final_norm');
  assert.equal(model.otherRoles.get('output.weight'), 'lm_head');
  // The stored q/k are permuted: the role reads the Hugging Face rows back.
  const q = await readMatrixKind(model, 1, 'q');
  assert.deepEqual([q.rows, q.cols], [P.hidden, P.hidden]);
  assert.deepEqual([...q.data], P.q_hf);
  const k = await readMatrixKind(model, 0, 'k');
  assert.deepEqual([...k.data], P.k_hf);
  assert.notDeepEqual(P.q_hf, P.q_gguf, 'the fixture really is permuted');
  // Unpermuted roles (v) and quantized ones (down, Q8_0) read as stored.
  const down = await readMatrixKind(model, 0, 'down');
  assert.deepEqual([down.rows, down.cols], [P.hidden, FF]);
  assert.deepEqual([...down.data], [...(await readAllF32(model.tensors.get('blk.0.ffn_down.weight')!))]);
  assert.equal(model.tensors.get('blk.0.ffn_down.weight')!.quant?.label, 'Q8_0');
});

test('a Qwen2 GGUF keeps q/k as stored: its converter does not permute them', async () => {
  const file = join(dir, 'qwen2.gguf');
  llamaFile(file, 'qwen2');
  const model = await openModel(file);
  assert.equal(model.architecture, 'qwen2');
  const q = await readMatrixKind(model, 0, 'q');
  assert.deepEqual([...q.data], P.q_gguf);
});

test('a mixture-of-experts GGUF: [E, out, in] experts per role, router, shared expert', async () => {
  const d = 16;
  const F = 8;
  const E = 4;
  const gate = values(E * F * d, 7);
  const up = values(E * F * d, 8);
  const down = values(E * d * F, 9);
  const file = join(dir, 'moe.gguf');
  writeGguf(
    file,
    {
      'general.architecture': str('qwen2moe'),
      'qwen2moe.embedding_length': u32(d),
      'qwen2moe.block_count': u32(1),
      'qwen2moe.attention.head_count': u32(4),
      'qwen2moe.attention.head_count_kv': u32(4),
      'qwen2moe.expert_count': u32(E),
      'qwen2moe.expert_used_count': u32(2),
      'qwen2moe.expert_feed_forward_length': u32(F),
    },
    [
      { name: 'token_embd.weight', type: 0, ne: [d, 10], values: values(d * 10, 1) },
      { name: 'blk.0.attn_norm.weight', type: 0, ne: [d], values: values(d, 2) },
      { name: 'blk.0.attn_q.weight', type: 0, ne: [d, d], values: values(d * d, 3) },
      { name: 'blk.0.ffn_gate_inp.weight', type: 0, ne: [d, E], values: values(d * E, 4) },
      { name: 'blk.0.ffn_gate_exps.weight', type: 0, ne: [d, F, E], values: gate },
      { name: 'blk.0.ffn_up_exps.weight', type: 0, ne: [d, F, E], values: up },
      { name: 'blk.0.ffn_down_exps.weight', type: 0, ne: [F, d, E], values: down },
      { name: 'blk.0.ffn_gate_shexp.weight', type: 0, ne: [d, F], values: values(d * F, 5) },
      { name: 'blk.0.ffn_up_shexp.weight', type: 0, ne: [d, F], values: values(d * F, 6) },
      { name: 'blk.0.ffn_down_shexp.weight', type: 0, ne: [F, d], values: values(d * F, 11) },
      { name: 'blk.0.ffn_gate_inp_shexp.weight', type: 0, ne: [d], values: values(d, 12) },
    ],
  );
  const model = await openModel(file);
  assert.equal(model.architecture, 'qwen2_moe');
  const l = model.layers[0];
  assert.equal(l.moe?.experts.length, E);
  assert.ok(l.moe?.shared?.gate && l.moe.shared.up && l.moe.shared.down);
  assert.deepEqual(l.extra?.router?.shape, [E, d]);
  assert.deepEqual(l.moe?.auxiliary, [{ tensor: 'blk.0.ffn_gate_inp_shexp.weight', role: 'shared_expert_gate' }]);
  const e = 2;
  const g = await readMatrixKind(model, 0, 'gate', e);
  assert.deepEqual([g.rows, g.cols], [F, d]);
  assert.deepEqual([...g.data], [...gate.subarray(e * F * d, (e + 1) * F * d)]);
  const dn = await readMatrixKind(model, 0, 'down', 3);
  assert.deepEqual([dn.rows, dn.cols], [d, F]);
  assert.deepEqual([...dn.data], [...down.subarray(3 * d * F, 4 * d * F)]);
  const router = await readMatrixKind(model, 0, 'router');
  assert.deepEqual([router.rows, router.cols], [E, d]);
});

test('a folder with one .gguf opens it; with several it says to pick one', async () => {
  const one = join(dir, 'one');
  mkdirSync(one);
  llamaFile(join(one, 'model-Q8_0.gguf'));
  const model = await openModel(one);
  assert.equal(model.layers.length, 2);
  const two = join(dir, 'two');
  mkdirSync(two);
  llamaFile(join(two, 'a.gguf'));
  llamaFile(join(two, 'b.gguf'));
  await assert.rejects(openModel(two), (e: Error) => e.name === 'ModelFileError' && /2 GGUF files \(a\.gguf, b\.gguf\).*open one/.test(e.message));
});

test('layer-lens matrix and inspect on a .gguf file', () => {
  const file = join(dir, 'cli.gguf');
  llamaFile(file);
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/analysis/cli/main.ts'), ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
  const out = join(dir, 'q.npy');
  const m = cli('matrix', file, '--layer', '1', '--kind', 'q', '--out', out, '--json');
  assert.equal(m.status, 0, m.stderr);
  const npy = readFileSync(out);
  const hlen = npy.readUInt16LE(8);
  const data = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + hlen, npy.byteOffset + npy.length));
  assert.deepEqual([...data], P.q_hf);
  const i = cli('inspect', file, '--json');
  assert.equal(i.status, 0, i.stderr);
  assert.match(i.stdout, /blk\.0\.ffn_down\.weight/);
  assert.match(i.stdout, /Q8_0/);
});

test('a Phi-3 GGUF: fused attn_qkv split [q; k; v] and fused ffn_up split into gate and up halves', async () => {
  const d = 16;
  const F = 8;
  const qkv = values(3 * d * d, 13);
  const gateUp = values(2 * F * d, 14);
  const file = join(dir, 'phi3.gguf');
  writeGguf(
    file,
    {
      'general.architecture': str('phi3'),
      'phi3.embedding_length': u32(d),
      'phi3.block_count': u32(1),
      'phi3.feed_forward_length': u32(F),
      'phi3.attention.head_count': u32(4),
      'phi3.attention.head_count_kv': u32(4),
    },
    [
      { name: 'blk.0.attn_norm.weight', type: 0, ne: [d], values: values(d, 1) },
      { name: 'blk.0.attn_qkv.weight', type: 0, ne: [d, 3 * d], values: qkv },
      { name: 'blk.0.ffn_up.weight', type: 0, ne: [d, 2 * F], values: gateUp },
      { name: 'blk.0.ffn_down.weight', type: 0, ne: [F, d], values: values(d * F, 2) },
    ],
  );
  const model = await openModel(file);
  assert.equal(model.architecture, 'phi3');
  const rows = async (kind: 'q' | 'k' | 'v' | 'gate' | 'up') => [...(await readMatrixKind(model, 0, kind)).data];
  assert.deepEqual(await rows('q'), [...qkv.subarray(0, d * d)]);
  assert.deepEqual(await rows('k'), [...qkv.subarray(d * d, 2 * d * d)]);
  assert.deepEqual(await rows('v'), [...qkv.subarray(2 * d * d)]);
  assert.deepEqual(await rows('gate'), [...gateUp.subarray(0, F * d)]);
  assert.deepEqual(await rows('up'), [...gateUp.subarray(F * d)]);
  assert.equal(model.layers[0].tensorRoles?.['blk.0.ffn_up.weight'], 'gate_up');
});
