// The dense families, multimodal wrappers and encoder-decoder models against the truth: each fixture
// (test/fixtures/denseLayouts.ts, wrapperLayouts.ts) is written in the family's exact names, shapes
// and fusions from unfused [out, in] source matrices, and every role matrix the reader recovers must
// equal its source bit for bit — so a wrong split, a swapped key/value group or a transpose fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { layerSimilarity } from '../../../../src/analysis/methods/similarity/layerSimilarity';
import { orientForDocs } from '../../../../src/analysis/methods/similarity/docs';
import { compareMatrices } from '../../../../src/analysis/methods/similarity/indices';
import { matrix } from '../../../../src/analysis/linalg/matrix';
import { openModel } from '../../../../src/analysis/model/openModel';
import { modelOverview } from '../../../../src/analysis/model/overview';
import { headSlice, readRoleMatrix } from '../../../../src/analysis/model/readRole';
import { componentGroups } from '../../../../src/analysis/model/components';
import { findLayerPrefix, readGeometry } from '../../../../src/analysis/model/roles';
import { MATRIX_ROLES, type ModelHandle } from '../../../../src/analysis/model/types';
import type { Mat } from '../../../fixtures/archLayouts';
import { DENSE_KINDS, writeDenseModel, type DenseKind } from '../../../fixtures/denseLayouts';
import { writeFixtureModel } from '../../../fixtures/makeModel';
import { MULTIMODAL_KINDS, writeEncoderDecoderModel, writeMultimodalModel } from '../../../fixtures/wrapperLayouts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-families-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** Rows h·hd … (h+1)·hd of m, computed here rather than by readRole.ts. */
const headRows = (m: Mat, h: number, hd: number) => m.data.slice(h * hd * m.cols, (h + 1) * hd * m.cols);

async function assertRolesEqual(model: ModelHandle, source: Partial<Record<string, Mat>>[], what: string) {
  for (let l = 0; l < source.length; l++) {
    const want = MATRIX_ROLES.filter((r) => source[l][r]);
    assert.deepEqual(Object.keys(model.layers[l].roles), want, `${what} layer ${l} roles`);
    for (const role of want) {
      const got = await readRoleMatrix(model, l, role);
      const src = source[l][role]!;
      assert.deepEqual([got.rows, got.cols], [src.rows, src.cols], `${what} layer ${l} ${role} shape`);
      assert.deepEqual(got.data, src.data, `${what} layer ${l} ${role}`);
    }
  }
}

const VARIANTS: Partial<Record<DenseKind, { dtype: 'BF16'; shards: number }>> = {
  falcon: { dtype: 'BF16', shards: 3 },
  bloom: { dtype: 'BF16', shards: 2 },
  internlm2: { dtype: 'BF16', shards: 3 },
  chatglm: { dtype: 'BF16', shards: 2 },
};

for (const kind of DENSE_KINDS) {
  const variants = [{ dtype: 'F32' as const, shards: 1 }, ...(VARIANTS[kind] ? [VARIANTS[kind]!] : [])];
  for (const v of variants) {
    test(`${kind} ${v.dtype} in ${v.shards} file(s): layers, head geometry, tensor roles and every role matrix equal the source`, async () => {
      const fx = await writeDenseModel(join(root, `${kind}-${v.dtype}`), kind, { layers: 3, dtype: v.dtype, shards: v.shards });
      const model = await openModel(fx.dir);
      assert.equal(model.architecture, fx.architecture);
      assert.deepEqual(model.notes ?? [], []);
      assert.equal(model.files.length, v.shards);
      assert.deepEqual(
        model.layers.map((l) => l.index),
        [0, 1, 2],
      );
      for (const l of model.layers)
        assert.ok(
          l.tensors.every((n) => n.startsWith(fx.prefix(l.index))),
          `layer ${l.index} tensors`,
        );
      const d = fx.dims;
      assert.deepEqual(model.attention, { numHeads: d.heads, numKvHeads: d.kvHeads, headDim: d.headDim });
      assert.equal(model.hiddenSize, d.hidden);
      assert.equal(model.intermediateSize, d.intermediate);
      for (const [suffix, role] of Object.entries(fx.tensorRoles)) assert.equal(model.layers[1].tensorRoles?.[fx.prefix(1) + suffix], role, suffix);
      await assertRolesEqual(model, fx.source, kind);
      // Key/value head j of the recovered k is rows j·hd… of the source k: grouped layouts keep heads in order.
      const k = await readRoleMatrix(model, 2, 'k');
      for (let j = 0; j < d.kvHeads; j++) assert.deepEqual(headSlice(model, k, 'k', j).data, headRows(fx.source[2].k!, j, d.headDim), `k head ${j}`);
    });
  }
}

test('Falcon and ChatGLM key/value heads come from their flags, not only from a count', () => {
  // configuration_falcon.py: multi_query defaults to true; convert_custom_code_checkpoint.py: n_head_kv means the new architecture.
  assert.equal(readGeometry({ model_type: 'falcon', hidden_size: 64, num_attention_heads: 8 }).numKvHeads, 1);
  assert.equal(readGeometry({ model_type: 'falcon', hidden_size: 64, num_attention_heads: 8, multi_query: false }).numKvHeads, 8);
  assert.equal(readGeometry({ model_type: 'falcon', hidden_size: 64, num_attention_heads: 8, new_decoder_architecture: true, num_kv_heads: 2 }).numKvHeads, 2);
  assert.equal(readGeometry({ model_type: 'RefinedWeb', hidden_size: 64, n_head: 8, n_head_kv: 4 }).numKvHeads, 4);
  assert.equal(readGeometry({ model_type: 'RefinedWebModel', hidden_size: 64, n_head: 8, multi_query: true }).numKvHeads, 1);
  const glm = readGeometry({
    model_type: 'chatglm',
    hidden_size: 64,
    num_attention_heads: 8,
    kv_channels: 8,
    multi_query_attention: true,
    multi_query_group_num: 2,
  });
  assert.deepEqual([glm.numHeads, glm.numKvHeads, glm.headDim], [8, 2, 8]);
  assert.equal(readGeometry({ model_type: 'chatglm', hidden_size: 64, num_attention_heads: 8, multi_query_attention: false }).numKvHeads, 8);
});

test("a fused tensor that does not match config.json is named in a note; the layer's other matrices still read", async () => {
  const fx = await writeDenseModel(join(root, 'internlm2-bad'), 'internlm2', { layers: 2 });
  await writeFile(join(fx.dir, 'config.json'), JSON.stringify({ ...fx.config, num_key_value_heads: 4 }));
  const model = await openModel(fx.dir);
  assert.ok(
    model.notes?.some((n) => n.startsWith('attention.wqkv.weight has 48 output rows but config.json implies (8 + 2 × 4) × 4 = 64')),
    String(model.notes),
  );
  assert.deepEqual(Object.keys(model.layers[0].roles), ['o', 'gate', 'up', 'down']);
  assert.deepEqual((await readRoleMatrix(model, 1, 'down')).data, fx.source[1].down!.data);
  await assert.rejects(readRoleMatrix(model, 0, 'q'), /layer 0 of .* has no 'q' matrix/);

  const mpt = await writeDenseModel(join(root, 'mpt-bad'), 'mpt', { layers: 1 });
  await writeFile(join(mpt.dir, 'config.json'), JSON.stringify({ ...mpt.config, d_model: 8 }));
  const m = await openModel(mpt.dir);
  assert.ok(
    m.notes?.some((n) => n.startsWith('attn.Wqkv.weight has 48 output rows, not 3 × d_model = 24')),
    String(m.notes),
  );
  assert.deepEqual((await readRoleMatrix(m, 0, 'up')).data, mpt.source[0].up!.data);

  const glm = await writeDenseModel(join(root, 'chatglm-bad'), 'chatglm', { layers: 1 });
  await writeFile(join(glm.dir, 'config.json'), JSON.stringify({ ...glm.config, multi_query_group_num: 1 }));
  const g = await openModel(glm.dir);
  assert.ok(
    g.notes?.some((n) => n.startsWith('self_attention.query_key_value.weight has 32 output rows but config.json implies 16 + 2 × 4 = 24')),
    String(g.notes),
  );
  assert.deepEqual(Object.keys(g.layers[0].roles), ['o', 'gate', 'up', 'down']);
  assert.deepEqual((await readRoleMatrix(g, 0, 'gate')).data, glm.source[0].gate!.data);
});

for (const kind of MULTIMODAL_KINDS) {
  test(`multimodal ${kind}: the language model's layers, with the vision tower and projector as their own groups`, async () => {
    const fx = await writeMultimodalModel(join(root, `mm-${kind}`), kind, { layers: 2 });
    const model = await openModel(fx.dir);
    assert.equal(model.architecture, fx.architecture);
    assert.deepEqual(model.notes ?? [], []);
    assert.deepEqual(
      model.layers.map((l) => l.index),
      [0, 1],
    );
    for (const l of model.layers)
      assert.ok(
        l.tensors.every((n) => n.startsWith(`${fx.layerPrefix}${l.index}.`)),
        `layer ${l.index}: ${l.tensors}`,
      );
    assert.deepEqual(model.attention, { numHeads: 4, numKvHeads: 2, headDim: fx.headDim });
    await assertRolesEqual(model, fx.source, kind);
    for (const n of [...fx.visionTensors, ...fx.projectorTensors]) assert.equal(model.otherRoles.get(n), 'other', n);
    const lmEmbed = [...model.tensors.keys()].filter((n) => n.endsWith('embed_tokens.weight'));
    assert.deepEqual(
      lmEmbed.map((n) => model.otherRoles.get(n)),
      ['embed'],
    );

    const groups = modelOverview(model).groups;
    const byKey = new Map(groups.map((g) => [g.key, g.tensors.map((t) => t.name).sort()]));
    assert.deepEqual(byKey.get('vision'), [...fx.visionTensors].sort());
    assert.deepEqual(byKey.get('projector'), [...fx.projectorTensors].sort());
    assert.equal(groups.find((g) => g.key === 'vision')!.title, 'Vision tower (3 layers)');
    assert.deepEqual(byKey.get('embed'), lmEmbed);
    const all = groups.flatMap((g) => g.tensors.map((t) => t.name));
    assert.equal(new Set(all).size, all.length, 'no tensor in two groups');
    assert.equal(all.length, model.tensors.size, 'every tensor in a group');
  });
}

test('layer similarity on multimodal models in both save formats runs on the language model: its layers, its matrices', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  for (const kind of ['qwen2_5_vl_new', 'mistral3'] as const) {
    const fx = await writeMultimodalModel(join(root, `sim-${kind}`), kind, { layers: 3 });
    const model = await openModel(fx.dir);
    const r = await layerSimilarity(engine, model, { kind: 'down', indices: ['cka'] });
    assert.deepEqual(r.layers, [0, 1, 2], kind);
    assert.equal(r.pairs.length, 3);
    for (const p of r.pairs) {
      const src = (l: number) => orientForDocs(matrix(fx.source[l].down.rows, fx.source[l].down.cols, fx.source[l].down.data), r.compared);
      const want = await compareMatrices(engine, src(p.layerA), src(p.layerB), ['cka']);
      assert.ok(Math.abs((p.values.cka as number) - (want.cka as number)) < 1e-6, `${kind} ${p.layerA},${p.layerB}`);
    }
  }
});

test("Llama 4's names: the vision model's larger stack is never the layer stack, and it and the projector are grouped apart", () => {
  // Llama4ForConditionalGeneration: language_model.model.layers.N, vision_model.model.layers.N, multi_modal_projector.linear_1
  // (llama.cpp convert_hf_to_gguf.py Llama4Model / Llama4VisionModel strip and route exactly these prefixes).
  const names = [
    ...[0, 1].flatMap((l) => [`language_model.model.layers.${l}.self_attn.q_proj.weight`, `language_model.model.layers.${l}.feed_forward.down_proj.weight`]),
    ...[0, 1, 2, 3].flatMap((l) => [`vision_model.model.layers.${l}.self_attn.q_proj.weight`, `vision_model.model.layers.${l}.mlp.fc2.weight`]),
    'vision_model.patch_embedding.linear.weight',
    'multi_modal_projector.linear_1.weight',
    'language_model.model.embed_tokens.weight',
  ];
  assert.equal(findLayerPrefix(names, 'self_attn.q_proj.weight'), 'language_model.model.layers');
  assert.equal(
    findLayerPrefix(
      names.filter((n) => n.startsWith('vision_model.')),
      'self_attn.q_proj.weight',
    ),
    null,
  );
  const { groups, rest } = componentGroups(names.filter((n) => !n.startsWith('language_model.model.layers.')));
  assert.deepEqual(
    groups.map((g) => [g.key, g.title, g.names.length]),
    [
      ['vision', 'Vision tower (4 layers)', 9],
      ['projector', 'Multimodal projector', 1],
    ],
  );
  assert.deepEqual(rest, ['language_model.model.embed_tokens.weight']);
});

for (const kind of ['bart', 't5'] as const) {
  test(`encoder-decoder ${kind}: opens with both stacks named and grouped, and no decoder-only layers claimed`, async () => {
    const fx = await writeEncoderDecoderModel(join(root, `encdec-${kind}`), kind, 2);
    const model = await openModel(fx.dir);
    assert.equal(model.architecture, kind);
    assert.deepEqual(model.layers, []);
    assert.equal(model.attention, undefined);
    assert.equal(model.notes?.length, 1);
    for (const stack of fx.stacks) assert.ok(model.notes![0].includes(`\`${stack}\` (2 layers)`), model.notes![0]);
    assert.match(model.notes![0], /encoder-decoder model: .* no layers are mapped/);
    const groups = modelOverview(model).groups;
    const keys = groups.map((g) => g.key);
    for (const side of ['encoder', 'decoder']) for (const l of [0, 1]) assert.ok(keys.includes(`${side}-layer-${l}`), `${side} layer ${l}: ${keys}`);
    const layerPart = kind === 'bart' ? (side: string, l: number) => `model.${side}.layers.${l}.` : (side: string, l: number) => `${side}.block.${l}.`;
    for (const side of ['encoder', 'decoder'])
      for (const l of [0, 1]) {
        const want = [...model.tensors.keys()].filter((n) => n.startsWith(layerPart(side, l))).sort();
        assert.deepEqual(
          groups
            .find((g) => g.key === `${side}-layer-${l}`)!
            .tensors.map((t) => t.name)
            .sort(),
          want,
        );
      }
    // Cross-attention is inside the decoder layers' groups, never a role of its own.
    const cross = kind === 'bart' ? 'model.decoder.layers.1.encoder_attn.q_proj.weight' : 'decoder.block.1.layer.1.EncDecAttention.q.weight';
    assert.ok(groups.find((g) => g.key === 'decoder-layer-1')!.tensors.some((t) => t.name === cross && t.role === undefined));
    const shared = kind === 'bart' ? 'model.shared.weight' : 'shared.weight';
    assert.equal(model.otherRoles.get(shared), 'embed');
    const all = groups.flatMap((g) => g.tensors.map((t) => t.name));
    assert.equal(new Set(all).size, all.length);
    assert.equal(all.length, model.tensors.size);
  });
}

// Model types whose checkpoints keep an existing family's tensor names exactly (their transformers
// modeling code differs only in the forward pass): mapped by type, with no fallback note, every role
// matrix equal to the source.
const SAME_NAMES: [type: string, base: 'llama' | 'olmo2'][] = [
  ['smollm3', 'llama'],
  ['seed_oss', 'llama'],
  ['helium', 'llama'],
  ['ministral', 'llama'],
  ['olmo3', 'olmo2'],
  ['exaone4', 'olmo2'],
];
for (const [type, base] of SAME_NAMES) {
  test(`${type}: mapped as ${base} by its model_type, every role matrix equal to the source`, async () => {
    const dir = join(root, `same-${type}`);
    const fx = base === 'llama' ? await writeFixtureModel(dir, { arch: 'llama', layers: 2, kvHeads: 2 }) : await writeDenseModel(dir, 'olmo2', { layers: 2 });
    const config = JSON.parse(await readFile(join(fx.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(fx.dir, 'config.json'), JSON.stringify({ ...config, model_type: type }));
    const model = await openModel(fx.dir);
    assert.equal(model.architecture, type);
    assert.deepEqual(model.notes ?? [], []);
    await assertRolesEqual(model, fx.source, type);
  });
}
