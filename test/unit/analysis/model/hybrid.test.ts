// Hybrid Gated-DeltaNet models (Qwen3-Next, Qwen3.5, Qwen3.5-MoE) against the truth: each fixture
// (test/fixtures/hybridLayouts.ts) is written from unfused `[out, in]` matrices that it fuses the
// way the checkpoints do (q_proj as per-head query/output-gate row pairs, experts stacked over E).
// The reader must find the decoder layers (not the vision tower, not the multi-token-prediction
// module), give q/k/v/o to the full-attention layers only, q as the query rows of q_proj, the
// experts, shared expert and router, and return every matrix bit for bit. Bad input must be a note
// naming what is wrong, with the rest usable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { summarize } from '../../../../src/analysis/model/summary';
import { readMatrixKind, readRoleMatrix } from '../../../../src/analysis/model/readRole';
import { gatedQuery } from '../../../../src/analysis/model/architectures/qwen3Hybrid';
import { EXPERT_ROLES, MATRIX_ROLES } from '../../../../src/analysis/model/types';
import { HYBRID_ARCHS, HYBRID_DIMS, hybridModelType, writeHybridFixture, type HybridArch } from '../../../fixtures/hybridLayouts';
import { hasNote, same } from './modelAsserts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-hybrid-'));
});
after(() => rm(root, { recursive: true, force: true }));

const LINEAR_LAYERS: Record<HybridArch, string> = {
  qwen3_next: 'Layers 0, 2 (2 of 4)',
  qwen3_5: 'Layers 0, 3 (2 of 4)',
  qwen3_5_text: 'Layers 0–2 (3 of 4)',
  qwen3_5_moe: 'Layers 0, 3 (2 of 4)',
  qwen3_5_moe_experts: 'Layers 0, 3 (2 of 4)',
};
const GATE_NOTE =
  "q_proj holds each head's query rows followed by its output-gate rows; q is the query rows (the gate rows are not one of the seven matrices).";

for (const arch of HYBRID_ARCHS) {
  test(`${arch}: decoder layers, q/k/v/o in full-attention layers only, experts and router; every matrix equals the source`, async () => {
    const fx = await writeHybridFixture(join(root, arch), { arch });
    const model = await openModel(fx.dir);
    assert.equal(model.architecture, hybridModelType(arch));
    assert.deepEqual(
      model.layers.map((l) => l.index),
      [0, 1, 2, 3],
    );
    assert.deepEqual(model.attention, { numHeads: HYBRID_DIMS.heads, numKvHeads: HYBRID_DIMS.kvHeads, headDim: HYBRID_DIMS.headDim });
    assert.equal(model.hiddenSize, HYBRID_DIMS.hidden);
    for (const [l, truth] of fx.layers.entries()) {
      const info = model.layers[l];
      assert.deepEqual(
        Object.keys(info.roles),
        MATRIX_ROLES.filter((r) => truth.roles[r]),
        `layer ${l} roles`,
      );
      assert.equal(!!info.roles.q, truth.kind === 'full_attention', `layer ${l} is ${truth.kind}`);
      for (const r of MATRIX_ROLES) if (truth.roles[r]) same(await readRoleMatrix(model, l, r), truth.roles[r]!, `layer ${l} ${r}`);
      assert.deepEqual(Object.keys(info.extra ?? {}).sort(), Object.keys(truth.extra).sort(), `layer ${l} extra kinds`);
      for (const [k, m] of Object.entries(truth.extra)) same(await readMatrixKind(model, l, k as 'router'), m, `layer ${l} ${k}`);
      if (truth.outputGate) {
        // The query and gate rows differ, so q read from the gate rows (or from both) could not pass.
        assert.notDeepEqual(truth.roles.q!.data, truth.outputGate.data);
        assert.equal(info.tensorRoles?.[`${fx.prefix}.${l}.self_attn.q_proj.weight`], 'qkv');
      }
      for (const t of info.tensors) {
        const suffix = t.slice(`${fx.prefix}.${l}.`.length);
        const want = suffix === 'linear_attn.norm.weight' ? 'norm' : suffix === 'linear_attn.dt_bias' ? 'bias' : 'other';
        if (suffix.startsWith('linear_attn.')) assert.equal(info.tensorRoles?.[t], want, t);
      }
      assert.equal(!!info.moe, !!truth.experts, `layer ${l} is ${truth.experts ? '' : 'not '}a mixture-of-experts layer`);
      if (!truth.experts) continue;
      assert.equal(info.moe!.experts.length, HYBRID_DIMS.experts);
      for (const [e, x] of truth.experts.entries())
        for (const r of EXPERT_ROLES) same(await readMatrixKind(model, l, r, e), x[r], `layer ${l} expert ${e} ${r}`);
      for (const r of EXPERT_ROLES) same(await readMatrixKind(model, l, r, 'shared'), truth.shared![r], `layer ${l} shared ${r}`);
      assert.notDeepEqual(truth.experts[0].gate.data, truth.experts[0].up.data);
      assert.deepEqual(info.moe!.auxiliary, [{ tensor: `${fx.prefix}.${l}.mlp.shared_expert_gate.weight`, role: 'shared_expert_gate' }]);
    }
    // The multi-token-prediction module and the vision tower are not decoder layers.
    const inLayers = new Set(model.layers.flatMap((l) => l.tensors));
    for (const name of fx.tensors.keys()) if (/^(mtp|model\.visual)\./.test(name)) assert.ok(!inLayers.has(name), name);
    assert.equal(model.otherRoles.get('mtp.fc.weight'), 'other');
    assert.equal(model.otherRoles.get('mtp.layers.0.self_attn.q_proj.weight'), 'other');
    const lm = fx.prefix.replace(/\.layers$/, '');
    assert.equal(model.otherRoles.get(`${lm}.embed_tokens.weight`), 'embed');
    assert.equal(model.otherRoles.get(`${lm}.norm.weight`), 'final_norm');
    assert.equal(model.otherRoles.get('lm_head.weight'), 'lm_head');
    if (fx.tensors.has('model.visual.blocks.0.attn.qkv.weight')) assert.equal(model.otherRoles.get('model.visual.blocks.5.attn.qkv.weight'), 'other');
    assert.deepEqual(
      [...(model.notes ?? [])].sort(),
      [
        GATE_NOTE,
        `${LINEAR_LAYERS[arch]} are Gated DeltaNet linear-attention layers (linear_attn.*): their heads have another geometry and no softmax, so they have no q/k/v/o matrices. The q, k, v and o kinds and the per-head views cover the full-attention layers only.`,
      ].sort(),
    );
  });
}

test('gatedQuery: head h query rows are 2h·hd … 2h·hd + hd, in closed form', () => {
  assert.deepEqual(gatedQuery(16, { numHeads: 2, headDim: 4 }), [{ role: 'q', rowIndex: [0, 1, 2, 3, 8, 9, 10, 11] }]);
  assert.match(String(gatedQuery(12, { numHeads: 2, headDim: 4 })), /^q_proj has 12 output rows, but config.json implies 16/);
  assert.match(String(gatedQuery(16, { numHeads: 2 })), /needs num_attention_heads and head_dim/);
});

test('the overview counts q as the query rows of q_proj (half the tensor) and every parameter once', async () => {
  const fx = await writeHybridFixture(join(root, 'sum-qwen35'), { arch: 'qwen3_5' });
  const s = summarize(await openModel(fx.dir));
  const { heads: H, headDim: hd, hidden: D } = HYBRID_DIMS;
  const role = Object.fromEntries(s.byRole.map((r) => [r.label, r.params]));
  // Layers 1 and 2 are full attention.
  assert.equal(role.q, 2 * H * hd * D);
  assert.equal(role.o, 2 * D * H * hd);
  const qProj = s.groups.flatMap((g) => g.tensors).find((t) => t.name === 'model.language_model.layers.1.self_attn.q_proj.weight');
  assert.deepEqual([qProj?.role, qProj?.params], ['q', 2 * H * hd * D]);
  assert.equal(
    s.byRole.reduce((a, r) => a + r.params, 0),
    s.totalParams,
  );
});

// ---- bad input -----------------------------------------------------------------------------

test('a q_proj without the output-gate rows is named; that layer has no q, its k/v/o and the other layers read', async () => {
  const { heads: H, headDim: hd, hidden: D } = HYBRID_DIMS;
  const name = 'model.language_model.layers.1.self_attn.q_proj.weight';
  const fx = await writeHybridFixture(join(root, 'bad-q'), {
    arch: 'qwen3_5',
    mutate: (t) => t.map((x) => (x.name === name ? { ...x, shape: [H * hd, D], values: (x.values as Float32Array).slice(0, H * hd * D) } : x)),
  });
  const model = await openModel(fx.dir);
  hasNote(
    model,
    /^q_proj has 16 output rows, but config\.json implies 32 \(4 heads × head_dim 4 query rows, each followed by as many output-gate rows\); its q\/k\/v \(or gate\/up\) matrices are not available\.$/,
  );
  assert.deepEqual(Object.keys(model.layers[1].roles), ['k', 'v', 'o', 'gate', 'up', 'down']);
  await assert.rejects(readRoleMatrix(model, 1, 'q'), /has no 'q' matrix/);
  same(await readRoleMatrix(model, 1, 'k'), fx.layers[1].roles.k!, 'layer 1 k');
  same(await readRoleMatrix(model, 2, 'q'), fx.layers[2].roles.q!, 'layer 2 q');
});

test('a head_dim that contradicts the stored q_proj/k_proj turns per-head views off, with the layer named', async () => {
  // q_proj [32, 16] is 2 × 4 heads × 4; with head_dim 2 config.json implies q_proj 16 rows, k 4 rows.
  const fx = await writeHybridFixture(join(root, 'bad-hd'), { arch: 'qwen3_next', configPatch: { head_dim: 2 } });
  const model = await openModel(fx.dir);
  hasNote(model, /^q_proj has 32 output rows, but config\.json implies 16 /);
  hasNote(model, /^layer 1 k has 8 head rows\/columns, config\.json implies 4; per-head views are off\.$/);
  assert.equal(model.attention, undefined);
  same(await readRoleMatrix(model, 3, 'o'), fx.layers[3].roles.o!, 'layer 3 o');
});

test('a fused expert tensor of the wrong shape is named; the layer keeps its other experts’ matrices', async () => {
  const { experts: E, expertF: F, hidden: D } = HYBRID_DIMS;
  const gu = 'model.language_model.layers.2.mlp.experts.gate_up_proj';
  const fx = await writeHybridFixture(join(root, 'bad-experts'), {
    arch: 'qwen3_5_moe',
    mutate: (t) => t.map((x) => (x.name === gu ? { ...x, shape: [E, 2 * F + 1, D], values: new Float32Array(E * (2 * F + 1) * D) } : x)),
  });
  const model = await openModel(fx.dir);
  hasNote(model, /Layer 2: 'model\.language_model\.layers\.2\.mlp\.experts\.gate_up_proj' has 25 output rows per expert, which do not divide into gate and up/);
  await assert.rejects(readMatrixKind(model, 2, 'gate', 1), /no 'gate' matrix/);
  same(await readMatrixKind(model, 2, 'down', 1), fx.layers[2].experts![1].down, 'layer 2 expert 1 down');
  same(await readMatrixKind(model, 2, 'up', 'shared'), fx.layers[2].shared!.up, 'layer 2 shared up');
  same(await readMatrixKind(model, 1, 'gate', 3), fx.layers[1].experts![3].gate, 'layer 1 expert 3 gate');
});

test('layer_types that disagree with the stored layers are named', async () => {
  const fx = await writeHybridFixture(join(root, 'bad-types'), {
    arch: 'qwen3_5_moe_experts',
    configPatch: { layer_types: ['linear_attention', 'linear_attention', 'full_attention', 'full_attention'] },
  });
  const model = await openModel(fx.dir);
  hasNote(model, /^config\.json \(layer_types\) makes layer 1 a linear-attention layer, but it stores full-attention \(self_attn\.\*\) tensors\.$/);
  hasNote(model, /^config\.json \(layer_types\) makes layer 3 a full-attention layer, but it stores linear-attention \(linear_attn\.\*\) tensors\.$/);
  same(await readRoleMatrix(model, 1, 'q'), fx.layers[1].roles.q!, 'layer 1 q, mapped as stored');
});
