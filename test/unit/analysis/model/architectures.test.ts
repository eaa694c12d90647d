// The architecture map against the truth: each fixture is written from unfused [out, in] source
// matrices that archLayouts.ts fuses (Phi-3, GPT-NeoX per-head interleave) and transposes (GPT-2
// Conv1D) the way Hugging Face checkpoints store them; the reader must recover every source
// matrix bit for bit, per layer and per head, in every dtype and in single and sharded layouts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { headSlice, kvHeadOf, readRoleMatrix } from '../../../../src/analysis/model/readRole';
import { MATRIX_ROLES } from '../../../../src/analysis/model/types';
import { FIXTURE_ARCHS, writeFixtureModel, type FixtureArch } from '../../../fixtures/makeModel';
import type { Mat } from '../../../fixtures/archLayouts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-arch-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** Rows h*hd..(h+1)*hd of m, computed here independently of readRole.ts. */
function rowsOf(m: Mat, h: number, hd: number): Float32Array {
  return m.data.slice(h * hd * m.cols, (h + 1) * hd * m.cols);
}
/** Columns h*hd..(h+1)*hd of m, transposed to [hd, rows]. */
function colsT(m: Mat, h: number, hd: number): Float32Array {
  const out = new Float32Array(hd * m.rows);
  for (let j = 0; j < hd; j++) for (let i = 0; i < m.rows; i++) out[j * m.rows + i] = m.data[i * m.cols + h * hd + j];
  return out;
}

const EXPECTED_ARCH: Record<FixtureArch, string> = {
  llama: 'llama',
  mistral: 'mistral',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  gemma: 'gemma',
  gemma2: 'gemma2',
  gemma3: 'gemma3',
  phi3: 'phi3',
  gpt2: 'gpt2',
  gpt_neox: 'gpt_neox',
  opt: 'opt',
};
const FUSED: Partial<Record<FixtureArch, Record<string, string>>> = {
  phi3: { 'model.layers.1.self_attn.qkv_proj.weight': 'qkv', 'model.layers.1.mlp.gate_up_proj.weight': 'gate_up' },
  gpt2: { 'h.1.attn.c_attn.weight': 'qkv' },
  gpt_neox: { 'gpt_neox.layers.1.attention.query_key_value.weight': 'qkv' },
};

const VARIANTS = [
  { dtype: 'F32', shards: 1 },
  { dtype: 'BF16', shards: 3 },
  { dtype: 'F16', shards: 1 },
] as const;

for (const arch of FIXTURE_ARCHS) {
  for (const v of VARIANTS) {
    test(`${arch} ${v.dtype} ${v.shards > 1 ? 'sharded' : 'single file'}: roles and heads equal the unfused source`, async () => {
      const fx = await writeFixtureModel(join(root, `${arch}-${v.dtype}-${v.shards}`), { arch, dtype: v.dtype, shards: v.shards, layers: 3, seed: 7 });
      const model = await openModel(fx.dir);
      assert.equal(model.architecture, EXPECTED_ARCH[arch]);
      assert.equal(model.files.length, v.shards);
      assert.equal(model.layers.length, 3);
      assert.deepEqual(
        model.layers.map((l) => l.index),
        [0, 1, 2],
      );
      const d = fx.dims;
      assert.deepEqual(model.attention, { numHeads: d.heads, numKvHeads: d.kvHeads, headDim: d.headDim });
      assert.equal(model.hiddenSize, d.hidden);
      assert.equal(model.intermediateSize, d.intermediate);
      for (const [name, role] of Object.entries(FUSED[arch] ?? {})) assert.equal(model.layers[1].tensorRoles?.[name], role, name);
      for (let l = 0; l < 3; l++) {
        const src = fx.source[l];
        const present = MATRIX_ROLES.filter((r) => model.layers[l].roles[r]);
        assert.deepEqual(
          present,
          MATRIX_ROLES.filter((r) => src[r]),
          `layer ${l} roles`,
        );
        for (const role of present) {
          const got = await readRoleMatrix(model, l, role);
          const want = src[role]!;
          assert.deepEqual([got.rows, got.cols], [want.rows, want.cols], `${role} shape`);
          assert.deepEqual(got.data, want.data, `layer ${l} ${role}`);
          if (role === 'gate' || role === 'up' || role === 'down') continue;
          const count = role === 'k' || role === 'v' ? d.kvHeads : d.heads;
          for (let h = 0; h < count; h++) {
            const slice = headSlice(model, got, role, h);
            assert.deepEqual([slice.rows, slice.cols], [d.headDim, role === 'o' ? d.hidden : d.hidden]);
            assert.deepEqual(slice.data, role === 'o' ? colsT(want, h, d.headDim) : rowsOf(want, h, d.headDim), `layer ${l} ${role} head ${h}`);
          }
        }
      }
      const r = d.heads / d.kvHeads;
      for (let h = 0; h < d.heads; h++) assert.equal(kvHeadOf(model, h), Math.floor(h / r));
    });
  }
}

test('GQA: query head h reads the key head floor(h / r), checked on distinct per-head values', async () => {
  // Each k row is filled with its kv-head number, so a wrong head or slice shows as a wrong constant.
  const fx = await writeFixtureModel(join(root, 'gqa'), {
    arch: 'llama',
    hidden: 32,
    heads: 8,
    kvHeads: 2,
    layers: 1,
    matrices: (_l, role, [rows, cols]) => (role === 'k' ? Float32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols / 4)) : undefined),
  });
  const model = await openModel(fx.dir);
  assert.deepEqual(model.attention, { numHeads: 8, numKvHeads: 2, headDim: 4 });
  const k = await readRoleMatrix(model, 0, 'k');
  for (let h = 0; h < 8; h++) {
    const kv = kvHeadOf(model, h);
    assert.equal(kv, h < 4 ? 0 : 1);
    assert.ok(headSlice(model, k, 'k', kv).data.every((x) => x === kv));
  }
  assert.throws(() => headSlice(model, k, 'k', 2), /head 2 is out of range: k has 2 heads/);
});

test('Gemma: head_dim from config.json differs from hidden / heads and is used for slicing', async () => {
  const fx = await writeFixtureModel(join(root, 'gemma-hd'), { arch: 'gemma', hidden: 16, heads: 4, kvHeads: 1, headDim: 12, layers: 1 });
  const model = await openModel(fx.dir);
  assert.deepEqual(model.attention, { numHeads: 4, numKvHeads: 1, headDim: 12 });
  const q = await readRoleMatrix(model, 0, 'q');
  assert.deepEqual([q.rows, q.cols], [48, 16]);
  const o = await readRoleMatrix(model, 0, 'o');
  assert.deepEqual(headSlice(model, o, 'o', 3).data, colsT(fx.source[0].o!, 3, 12));
});

test('Gemma 3 multimodal: the vision tower layers are not taken for decoder layers', async () => {
  const fx = await writeFixtureModel(join(root, 'gemma3-vision'), { arch: 'gemma3', layers: 2 });
  const model = await openModel(fx.dir);
  assert.equal(model.layers.length, 2);
  assert.ok(model.layers[0].tensors.every((n) => n.startsWith('language_model.model.layers.0.')));
  assert.equal(model.otherRoles.get('vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight'), 'other');
  assert.equal(model.otherRoles.get('language_model.model.embed_tokens.weight'), 'embed');
  assert.equal(model.layers[0].tensorRoles?.['language_model.model.layers.0.post_attention_layernorm.weight'], 'norm');
  assert.equal(model.layers[0].tensorRoles?.['language_model.model.layers.0.pre_feedforward_layernorm.weight'], 'mlp_norm');
});

test('a config head count that contradicts the stored shapes turns off head slicing with a note', async () => {
  const fx = await writeFixtureModel(join(root, 'bad-heads'), { arch: 'llama', layers: 1 });
  await writeFile(join(fx.dir, 'config.json'), JSON.stringify({ ...fx.config, num_key_value_heads: 4, head_dim: 8 }));
  const model = await openModel(fx.dir);
  assert.equal(model.attention, undefined);
  assert.ok(
    model.notes?.some((n) => /layer 0 q has 16 head rows\/columns, config.json implies 32/.test(n)),
    String(model.notes),
  );
  const q = await readRoleMatrix(model, 0, 'q');
  assert.throws(() => headSlice(model, q, 'q', 0), /head layout is unknown/);
});

test('Phi-3 with a qkv_proj that does not match config.json says why q/k/v are missing', async () => {
  const fx = await writeFixtureModel(join(root, 'phi3-bad'), { arch: 'phi3', layers: 1 });
  await writeFile(join(fx.dir, 'config.json'), JSON.stringify({ ...fx.config, num_attention_heads: 2 }));
  const model = await openModel(fx.dir);
  assert.deepEqual(Object.keys(model.layers[0].roles), ['o', 'gate', 'up', 'down']);
  assert.ok(
    model.notes?.some((n) => n.startsWith('qkv_proj has 48 output rows but config.json implies 16 + 2 × 32 = 80;')),
    String(model.notes),
  );
  await assert.rejects(readRoleMatrix(model, 0, 'q'), /layer 0 of .* has no 'q' matrix/);
});
