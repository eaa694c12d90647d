// Mixture-of-experts layers and MLA attention against the truth: each fixture (test/fixtures/
// moeLayouts.ts) is written from unfused `[out, in]` matrices that it stacks, concatenates,
// interleaves, transposes, FP8-quantizes or MXFP4-packs the way each family's checkpoints do; the
// reader must find every layer's experts, shared expert, router and roles and return every matrix
// bit for bit. Bad input (missing or odd expert tensors, a router of the wrong width, a config that
// names more experts than the file holds) must be a note naming the tensor, with the rest usable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../src/analysis/model/openModel';
import { summarize } from '../../../../src/analysis/model/summary';
import { overviewText } from '../../../../src/analysis/cli/overviewText';
import { readMatrix, readMatrixKind, readRoleMatrix } from '../../../../src/analysis/model/readRole';
import { EXPERT_ROLES, MATRIX_ROLES, type TensorEntry } from '../../../../src/analysis/model/types';
import { MOE_ARCHS, MOE_DIMS, modelTypeOf, writeMoeFixture, type MoeArch } from '../../../fixtures/moeLayouts';
import { writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { hasNote, same } from './modelAsserts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-moe-'));
});
after(() => rm(root, { recursive: true, force: true }));

const SHARED: Partial<Record<MoeArch, true>> = {
  qwen2_moe: true,
  granitemoeshared: true,
  deepseek_v2: true,
  deepseek_v3: true,
  deepseek_v3_fp8: true,
  llama4: true,
  glm4_moe: true,
  glm4v_moe: true,
  dots1: true,
  ernie4_5_moe: true,
  hunyuan_v1_moe: true,
  glm_moe_dsa: true,
  mistral4: true,
  kimi_k25: true,
  exaone_moe: true,
};
/** Fixtures with a multi-token-prediction layer after the stack (one note says it is not a decoder layer). */
const MTP_ARCHS = new Set<MoeArch>(['glm4_moe']);
const MLA_ARCHS = new Set<MoeArch>(['deepseek_v2', 'deepseek_v3', 'deepseek_v3_fp8', 'glm_moe_dsa', 'mistral4', 'kimi_k25']);

for (const arch of MOE_ARCHS) {
  test(`${arch}: layers, experts, shared expert, router and roles recovered; every matrix equals the source`, async () => {
    const fx = await writeMoeFixture(join(root, arch), { arch });
    const model = await openModel(fx.dir);
    assert.equal(model.architecture, modelTypeOf(arch));
    assert.deepEqual(
      model.layers.map((l) => l.index),
      [0, 1, 2],
    );
    for (const [l, truth] of fx.layers.entries()) {
      const info = model.layers[l];
      // Roles: exactly the source's attention (and dense MLP) roles, in the canonical order.
      assert.deepEqual(
        Object.keys(info.roles),
        MATRIX_ROLES.filter((r) => truth.roles[r]),
        `layer ${l} roles`,
      );
      assert.deepEqual(Object.keys(info.extra ?? {}).sort(), Object.keys(truth.extra).sort(), `layer ${l} extra kinds`);
      for (const r of MATRIX_ROLES) if (truth.roles[r]) same(await readRoleMatrix(model, l, r), truth.roles[r]!, `layer ${l} ${r}`);
      for (const [k, m] of Object.entries(truth.extra)) same(await readMatrixKind(model, l, k as 'router'), m, `layer ${l} ${k}`);
      assert.equal(!!info.moe, !!truth.experts, `layer ${l} is ${truth.experts ? '' : 'not '}a mixture-of-experts layer`);
      if (!truth.experts) continue;
      assert.equal(info.moe!.experts.length, MOE_DIMS.experts);
      assert.equal(info.extra?.router?.shape[0], MOE_DIMS.experts);
      for (const [e, x] of truth.experts.entries())
        for (const r of EXPERT_ROLES) same(await readMatrixKind(model, l, r, e), x[r], `layer ${l} expert ${e} ${r}`);
      assert.equal(!!info.moe!.shared, !!truth.shared, `layer ${l} shared expert`);
      if (truth.shared) for (const r of EXPERT_ROLES) same(await readMatrixKind(model, l, r, 'shared'), truth.shared[r], `layer ${l} shared ${r}`);
      // The truth differs between experts and between gate and up, so a swap or a wrong split could not pass.
      assert.notDeepEqual(truth.experts[0].gate.data, truth.experts[1].gate.data);
      assert.notDeepEqual(truth.experts[0].gate.data, truth.experts[0].up.data);
      // Every expert tensor is labelled as one.
      for (const t of info.tensors)
        if (/experts?\.|input_linear|output_linear/.test(t) && !/shared|bias|scale_inv/.test(t))
          assert.match(String(info.tensorRoles?.[t]), /^(expert|experts)$/, t);
    }
    assert.equal(
      !!SHARED[arch],
      fx.layers.some((l) => l.shared),
    );
    if (MLA_ARCHS.has(arch)) {
      assert.equal(model.attention, undefined);
      hasNote(model, /Multi-head latent attention: .* per-head views .* do not apply/);
      assert.equal(model.layers[1].moe!.sharedCount, 2);
      // Nothing else to say: which layers are dense matches config.json (first_k_dense_replace or mlp_layer_types).
      const other = (model.notes ?? []).filter((n) => !/^Multi-head latent attention|multi-token-prediction layer/.test(n));
      assert.deepEqual(other, []);
    } else {
      assert.ok(model.attention, 'head geometry');
      const notes = (model.notes ?? []).filter((n) => !(MTP_ARCHS.has(arch) && /^Layer 3 .* multi-token-prediction layer/.test(n)));
      assert.equal(notes.length, 0, notes.join('\n'));
      if (MTP_ARCHS.has(arch)) hasNote(model, /^Layer 3 \(model\.layers\.3\.\*\) is at or beyond num_hidden_layers = 3: a multi-token-prediction layer/);
    }
  });
}

test('DeepSeek-V3: the multi-token-prediction layer beyond num_hidden_layers is not a decoder layer; FP8 scales are applied', async () => {
  const fx = await writeMoeFixture(join(root, 'ds-mtp'), { arch: 'deepseek_v3_fp8' });
  const model = await openModel(fx.dir);
  assert.equal(model.layers.length, 3);
  hasNote(model, /Layer 3 \(model\.layers\.3\.\*\) is at or beyond num_hidden_layers = 3: a multi-token-prediction layer/);
  assert.equal(model.otherRoles.get('model.layers.3.embed_tokens.weight'), 'other');
  assert.equal(model.otherRoles.get('model.embed_tokens.weight'), 'embed');
  const ref = model.layers[1].moe!.experts[2].gate!;
  assert.deepEqual(ref.source.blockScale, { tensor: 'model.layers.1.mlp.experts.2.gate_proj.weight_scale_inv', block: [4, 8] });
  // Read without the scales the values would be the bare FP8 codes' values: different from the truth.
  const bare = await readMatrix(model, { ...ref, source: { ...ref.source, blockScale: undefined } });
  assert.notDeepEqual(bare.data, fx.layers[1].experts![2].gate.data);
});

test('summary and overview show experts per layer and count every expert in the parameters', async () => {
  const fx = await writeMoeFixture(join(root, 'sum-qwen2'), { arch: 'qwen2_moe' });
  const model = await openModel(fx.dir);
  const s = summarize(model);
  const F = MOE_DIMS.expertF,
    D = MOE_DIMS.hidden,
    E = MOE_DIMS.experts,
    S = MOE_DIMS.sharedF;
  assert.equal(s.layers[0].experts, undefined);
  assert.deepEqual(s.layers[1].experts, {
    count: E,
    shapes: { gate: [F, D], up: [F, D], down: [D, F] },
    shared: { gate: [S, D], up: [S, D], down: [D, S] },
    router: { tensor: 'model.layers.1.mlp.gate.weight', shape: [E, D] },
    tensors: E * 3,
  });
  assert.equal(s.experts?.layers.join(), '1,2');
  assert.equal(s.experts?.count, E);
  const role = Object.fromEntries(s.byRole.map((r) => [r.label, r.params]));
  assert.equal(role.experts, 2 * E * 3 * F * D);
  // The shared expert's three matrices and its [1, d] sigmoid gate, in layers 1 and 2.
  assert.equal(role['shared expert'], 2 * (3 * S * D + D));
  assert.equal(role.router, 2 * E * D);
  assert.equal(
    s.byRole.reduce((a, r) => a + r.params, 0),
    s.totalParams,
  );
  const layer1 = s.groups.find((g) => g.layer === 1)!;
  assert.match(layer1.title, /Layer 1 · 4 experts \+ shared/);
  assert.equal(layer1.tensors.find((t) => t.name === 'model.layers.1.mlp.experts.3.up_proj.weight')?.role, 'expert 3 up');
});

test('`layer-lens inspect` text lists the experts of each MoE layer', async () => {
  const fx = await writeMoeFixture(join(root, 'text-ds'), { arch: 'deepseek_v3' });
  const text = overviewText(summarize(await openModel(fx.dir)));
  assert.match(text, /Experts \(2 of 3 layers are mixture-of-experts; the others have a dense MLP\)/);
  assert.match(text, /\n\s+1\s+4\s+\[12, 16\] \[12, 16\] \[16, 12\]\s+2 as one: \[24, 16\] \[24, 16\] \[16, 24\]\s+\[4, 16\]\s+12\s+\d+\n/);
  assert.match(text, /Layer 1 · 4 experts \+ shared \(2\)\s+\d+\s+\S+\s+\S+ KiB\s+o q_a q_b kv_a kv_b router experts shared expert/);
});

test('FP8 weights: a missing scale tensor is one note with an example; without weight_block_size the block comes from the scale grid', async () => {
  const gone = 'model.layers.0.self_attn.kv_b_proj.weight_scale_inv';
  const fx = await writeMoeFixture(join(root, 'fp8-noscale'), {
    arch: 'deepseek_v3_fp8',
    mutate: (t) => t.filter((x) => x.name !== gone),
    configPatch: { quantization_config: { quant_method: 'fp8' } },
  });
  const model = await openModel(fx.dir);
  hasNote(model, /^1 FP8 matrix has no '…weight_scale_inv' tensor \(e\.g\. 'model\.layers\.0\.self_attn\.kv_b_proj\.weight'\); it is read unscaled\.$/);
  hasNote(model, /gives no quantization_config\.weight_block_size; FP8 scales are applied in the blocks that the scale tensors' shapes imply/);
  same(await readMatrixKind(model, 1, 'gate', 3), fx.layers[1].experts![3].gate, 'expert 3 gate with the inferred [4, 8] blocks');
  same(await readMatrixKind(model, 2, 'kv_a'), fx.layers[2].extra.kv_a!, 'kv_a');
});

test('without config.json, expert tensors are labelled as experts and no role is claimed by every expert at once', async () => {
  const fx = await writeMoeFixture(join(root, 'bare-src'), { arch: 'mixtral' });
  await mkdir(join(root, 'bare'), { recursive: true });
  await copyFile(join(fx.dir, 'model.safetensors'), join(root, 'bare', 'mixtral.safetensors'));
  const model = await openModel(join(root, 'bare', 'mixtral.safetensors'));
  assert.equal(model.architecture, 'generic');
  assert.equal(model.layers.length, 3);
  assert.equal(model.layers[1].tensorRoles?.['model.layers.1.block_sparse_moe.experts.3.w2.weight'], 'expert');
  hasNote(model, /Tensors under 'experts\.<e>\.' are a mixture-of-experts layer's experts/);
  assert.ok(!model.notes?.some((n) => /several tensors could be/.test(n)), (model.notes ?? []).join('\n'));
  same(await readRoleMatrix(model, 1, 'q'), fx.layers[1].roles.q!, 'q still mapped by name');
});

// ---- bad input -----------------------------------------------------------------------------

test('a missing expert tensor is named; that expert lacks the matrix, everything else reads', async () => {
  const gone = 'model.layers.1.block_sparse_moe.experts.2.w3.weight';
  const fx = await writeMoeFixture(join(root, 'bad-missing'), { arch: 'mixtral', mutate: (t) => t.filter((x) => x.name !== gone) });
  const model = await openModel(fx.dir);
  hasNote(model, new RegExp(`Layer 1: expert 2 has no 'w3\\.weight': '${gone.replace(/\./g, '\\.')}' is missing`));
  assert.equal(model.layers[1].moe!.experts.length, 4);
  await assert.rejects(readMatrixKind(model, 1, 'up', 2), /expert 2 of layer 1 has no 'up' matrix/);
  same(await readMatrixKind(model, 1, 'gate', 2), fx.layers[1].experts![2].gate, 'expert 2 gate');
  same(await readMatrixKind(model, 1, 'up', 3), fx.layers[1].experts![3].up, 'expert 3 up');
  same(await readRoleMatrix(model, 2, 'q'), fx.layers[2].roles.q!, 'layer 2 q');
});

test('an expert matrix of another shape is named and left out', async () => {
  const odd = 'model.layers.0.block_sparse_moe.experts.1.w1.weight';
  const fx = await writeMoeFixture(join(root, 'bad-shape'), {
    arch: 'mixtral',
    mutate: (t) =>
      t.map((x) =>
        x.name === odd ? { ...x, shape: [MOE_DIMS.expertF + 1, MOE_DIMS.hidden], values: new Float32Array((MOE_DIMS.expertF + 1) * MOE_DIMS.hidden) } : x,
      ),
  });
  const model = await openModel(fx.dir);
  hasNote(
    model,
    /Layer 0: expert 1's gate \('model\.layers\.0\.block_sparse_moe\.experts\.1\.w1\.weight'\) is \[13, 16\] while the layer's other experts' are \[12, 16\]; it is left out/,
  );
  await assert.rejects(readMatrixKind(model, 0, 'gate', 1), /no 'gate' matrix/);
  same(await readMatrixKind(model, 0, 'up', 1), fx.layers[0].experts![1].up, 'expert 1 up');
});

test('a router whose width disagrees with the expert count is named', async () => {
  const name = 'model.layers.0.block_sparse_moe.gate.weight';
  const fx = await writeMoeFixture(join(root, 'bad-router'), {
    arch: 'mixtral',
    mutate: (t) =>
      t.map((x) =>
        x.name === name ? { ...x, shape: [MOE_DIMS.experts + 1, MOE_DIMS.hidden], values: new Float32Array((MOE_DIMS.experts + 1) * MOE_DIMS.hidden) } : x,
      ),
  });
  const model = await openModel(fx.dir);
  hasNote(model, /Layer 0: the router 'model\.layers\.0\.block_sparse_moe\.gate\.weight' scores 5 experts, but the layer stores 4/);
  same(await readMatrixKind(model, 0, 'down', 3), fx.layers[0].experts![3].down, 'expert 3 down');
});

test('config.json naming more experts than the file holds is named, with the first missing tensor', async () => {
  const fx = await writeMoeFixture(join(root, 'bad-count'), { arch: 'mixtral', configPatch: { num_local_experts: 6 } });
  const model = await openModel(fx.dir);
  hasNote(
    model,
    /config\.json gives num_local_experts = 6, but layer 0 stores 4 experts: .*'model\.layers\.0\.block_sparse_moe\.experts\.4\.w1\.weight'.*Experts 4…5 are not in the file/,
  );
  same(await readMatrixKind(model, 2, 'gate', 0), fx.layers[2].experts![0].gate, 'layer 2 expert 0 gate');
});

test('fused expert tensors holding different expert counts are named', async () => {
  const down = 'language_model.model.layers.1.feed_forward.experts.down_proj';
  const { expertF: F, hidden: D, experts: E } = MOE_DIMS;
  const fx = await writeMoeFixture(join(root, 'bad-fused'), {
    arch: 'llama4',
    mutate: (t) => t.map((x) => (x.name === down ? { ...x, shape: [E - 1, F, D], values: (x.values as Float32Array).slice(0, (E - 1) * F * D) } : x)),
  });
  const model = await openModel(fx.dir);
  hasNote(
    model,
    /Layer 1: 'language_model\.model\.layers\.1\.feed_forward\.experts\.down_proj' holds 3 experts but 'language_model\.model\.layers\.1\.feed_forward\.experts\.gate_up_proj' is \[4, 16, 24\]/,
  );
  same(await readMatrixKind(model, 1, 'down', 2), fx.layers[1].experts![2].down, 'expert 2 down');
  await assert.rejects(readMatrixKind(model, 1, 'down', 3), /expert 3 of layer 1 has no 'down' matrix/);
});

test('a gate/up tensor that cannot be halved, and a 2-D tensor where experts belong, are named', async () => {
  const gu = 'model.layers.0.block_sparse_moe.input_linear.weight';
  const { expertF: F, hidden: D, experts: E } = MOE_DIMS;
  const fx = await writeMoeFixture(join(root, 'bad-halves'), {
    arch: 'granitemoe',
    mutate: (t) =>
      t.map((x) =>
        x.name === gu
          ? { ...x, shape: [E, 2 * F + 1, D], values: new Float32Array(E * (2 * F + 1) * D) }
          : x.name === 'model.layers.1.block_sparse_moe.output_linear.weight'
            ? { ...x, shape: [E * D, F] }
            : x,
      ),
  });
  const model = await openModel(fx.dir);
  hasNote(model, /Layer 0: 'model\.layers\.0\.block_sparse_moe\.input_linear\.weight' has 25 output rows per expert, which do not divide into gate and up/);
  hasNote(model, /Layer 1: 'model\.layers\.1\.block_sparse_moe\.output_linear\.weight' has shape \[64, 12\], not \[experts, rows, columns\]/);
  same(await readMatrixKind(model, 0, 'down', 1), fx.layers[0].experts![1].down, 'layer 0 expert 1 down');
  same(await readMatrixKind(model, 1, 'gate', 1), fx.layers[1].experts![1].gate, 'layer 1 expert 1 gate');
});

test('config.json and the stored layers disagreeing on which layers are MoE, and MLA widths, are named', async () => {
  const q = await writeMoeFixture(join(root, 'bad-sparse'), { arch: 'qwen2_moe', configPatch: { mlp_only_layers: [0, 1] } });
  hasNote(await openModel(q.dir), /config\.json makes layer 1 a dense layer, but it stores experts/);
  const l = await writeMoeFixture(join(root, 'bad-moe-layers'), { arch: 'llama4', configPatch: { interleave_moe_layer_step: 1 } });
  hasNote(await openModel(l.dir), /config\.json makes layer 0 a mixture-of-experts layer, but it stores no expert tensors \(it has a dense MLP\)/);
  const d = await writeMoeFixture(join(root, 'bad-mla'), { arch: 'deepseek_v3', configPatch: { kv_lora_rank: 6 } });
  const model = await openModel(d.dir);
  hasNote(model, /Layer 0: 'model\.layers\.0\.self_attn\.kv_a_proj_with_mqa\.weight' is \[7, 16\] but config\.json implies \[8, 16\]/);
  hasNote(model, /Layer 0: 'model\.layers\.0\.self_attn\.kv_b_proj\.weight' is \[28, 5\] but config\.json implies \[28, 6\]/);
  same(await readMatrixKind(model, 0, 'kv_b'), d.layers[0].extra.kv_b!, 'kv_b still reads');
});

test('MXFP4 scales of the wrong shape are named; the other expert tensor still reads', async () => {
  const sc = 'model.layers.2.mlp.experts.gate_up_proj_scales';
  const fx = await writeMoeFixture(join(root, 'bad-mxfp4'), {
    arch: 'gpt_oss_mxfp4',
    mutate: (t) => t.map((x) => (x.name === sc ? { ...x, shape: [MOE_DIMS.experts, 32, 4], bytes: new Uint8Array(MOE_DIMS.experts * 128) } : x)),
  });
  const model = await openModel(fx.dir);
  hasNote(
    model,
    /Layer 2: MXFP4 scales 'model\.layers\.2\.mlp\.experts\.gate_up_proj_scales' are \[4, 32, 4\], but 'model\.layers\.2\.mlp\.experts\.gate_up_proj_blocks' needs \[4, 64, 2\]/,
  );
  same(await readMatrixKind(model, 2, 'down', 0), fx.layers[2].experts![0].down, 'expert 0 down');
});

// ---- the reader's expert slice, transpose, row step and block scale, in closed form -----------

test('readMatrix: expert slice of a 3-D tensor, transpose, row step and FP8 block scales, bit-exact', async () => {
  const path = join(root, 'slice.safetensors');
  await writeSafetensors(path, [
    { name: 'w', dtype: 'F32', shape: [2, 3, 4], values: Array.from({ length: 24 }, (_, i) => i) },
    { name: 'q.weight', dtype: 'F32', shape: [3, 4], values: Array.from({ length: 12 }, (_, i) => i + 1) },
    { name: 'q.weight_scale_inv', dtype: 'F32', shape: [2, 2], values: [1, 10, 100, 1000] },
  ]);
  const model = await openModel(path);
  const ref = (source: object, shape: [number, number]) => ({ role: 'gate' as const, layer: 0, shape, source: { tensor: 'w', transpose: false, ...source } });
  // Expert 1 is [[12..15], [16..19], [20..23]]; transposed [[12,16,20], [13,17,21], [14,18,22], [15,19,23]].
  assert.deepEqual(Array.from((await readMatrix(model, ref({ expert: 1 }, [3, 4]))).data), [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
  assert.deepEqual(Array.from((await readMatrix(model, ref({ expert: 1, transpose: true, rows: [1, 4], rowStep: 2 }, [2, 3]))).data), [13, 17, 21, 15, 19, 23]);
  assert.deepEqual(Array.from((await readMatrix(model, ref({ expert: 0, transpose: true, rows: [0, 4], rowStep: 2 }, [2, 3]))).data), [0, 4, 8, 2, 6, 10]);
  assert.deepEqual(Array.from((await readMatrix(model, ref({ expert: 1, rows: [1, 3] }, [2, 4]))).data), [16, 17, 18, 19, 20, 21, 22, 23]);
  // 2×2 blocks over [3, 4]: rows 0–1 scale by [1, 10], row 2 by [100, 1000].
  const scaled = await readMatrix(model, {
    role: 'q',
    layer: 0,
    shape: [3, 4],
    source: { tensor: 'q.weight', transpose: false, blockScale: { tensor: 'q.weight_scale_inv', block: [2, 2] } },
  });
  assert.deepEqual(Array.from(scaled.data), [1, 2, 30, 40, 5, 6, 70, 80, 900, 1000, 11000, 12000]);
  await assert.rejects(readMatrix(model, ref({ expert: 2 }, [3, 4])), /tensor 'w' holds 2 experts, not expert 2/);
  await assert.rejects(
    readMatrix(model, { ...ref({}, [3, 4]), source: { tensor: 'q.weight', transpose: false, expert: 0 } }),
    /not \[experts, rows, columns\]/,
  );
  await assert.rejects(readMatrix(model, ref({ expert: 0 }, [4, 3])), /read \[3, 4\] but the map says \[4, 3\]/);
  const t: TensorEntry = model.tensors.get('w')!;
  assert.deepEqual(t.shape, [2, 3, 4]);
});
