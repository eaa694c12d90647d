import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { DecoderExecutor } from '../../../../../src/analysis/model/executor/decoder';
import { decoderConfigFromJson } from '../../../../../src/analysis/model/executor/config';
import { memoryWeightSource } from '../../../../../src/analysis/model/executor/weights';
import { MOE_ORACLE, oracleWeights, writeOracleModel } from './moeOracleModel';
import { writeMoeFixture } from '../../../../fixtures/moeLayouts';
import { readTensorF32 } from '../../../../../src/analysis/model/readRole';

// Mixtral, Qwen2-MoE (shared expert, dense first layer), Qwen3-MoE (norm_topk_prob, every other layer
// sparse), OLMoE (whole-projection q/k norms, norm_topk_prob false and true) and gpt-oss (attention
// sinks, alternating sliding-window layers, top-k-then-softmax router with bias, clamped GLU experts
// with biases, fused interleaved expert tensors) against the independent per-token numpy forward of
// test/oracles/moe_forward.py.
let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'layer-lens-moe-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const ids = MOE_ORACLE.ids;

function maxLogitDiff(got: ArrayLike<number>, want: number[][]): number {
  const V = want[0].length;
  let m = 0;
  for (let t = 0; t < want.length; t++) for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(got[t * V + v] - want[t][v]));
  return m;
}

for (const [name, c] of Object.entries(MOE_ORACLE.cases)) {
  test(`MoE forward from a model folder matches the numpy oracle: ${name}`, async () => {
    const model = await openModel(await writeOracleModel(join(root, name), c));
    const ex = executorFor(model);
    try {
      const r = await ex.run([ids], { logits: 'all', hiddenStates: true, expertSelection: true, mlpActivations: true });
      const diff = maxLogitDiff(r.logits!, c.logits);
      assert.ok(diff < 1e-4, `max |Δlogit| = ${diff}`);
      const d = ex.cfg.hiddenSize;
      c.boundaryNorms.forEach((norms, l) =>
        norms.forEach((want, t) => {
          let s = 0;
          for (let i = 0; i < d; i++) s += r.hiddenStates![l][t * d + i] ** 2;
          assert.ok(Math.abs(Math.sqrt(s) - want) < 1e-4 * Math.max(1, want), `boundary ${l} position ${t}: ${Math.sqrt(s)} vs ${want}`);
        }),
      );
      // The routing choice, token by token, is the oracle's.
      c.routes.forEach((route, l) => {
        const sel = r.expertSelection![l];
        if (route === null) return assert.equal(sel, null, `layer ${l} is dense`);
        const E = sel!.length / ids.length;
        route.forEach((experts, t) => {
          const chosen = Array.from({ length: E }, (_, e) => e).filter((e) => sel![t * E + e] === 1);
          assert.deepEqual(chosen, experts, `layer ${l} token ${t}`);
        });
        const f = r.mlpActivations![l].length / (E * ids.length);
        assert.ok(Number.isInteger(f) && f === (c.config.moe_intermediate_size ?? c.config.intermediate_size), 'expert activations are [B, E, T, f]');
      });
    } finally {
      await ex.release();
    }
  });
}

test('in-memory weights under the per-expert names give the same logits as the model folder', async () => {
  const c = MOE_ORACLE.cases.qwen2_moe_shared;
  const w = oracleWeights(c);
  const cfg = decoderConfigFromJson(c.config, (n) => w.has(n));
  const ex = new DecoderExecutor(cfg, memoryWeightSource(w));
  try {
    const r = await ex.run([ids], { logits: 'all' });
    assert.ok(maxLogitDiff(r.logits!, c.logits) < 1e-4);
  } finally {
    await ex.release();
  }
});

test('swapping two experts of a layer changes the logits', async () => {
  const c = MOE_ORACLE.cases.mixtral;
  const swap = (w: Map<string, { shape: number[]; data: Float32Array | Float64Array }>) => {
    for (const k of ['w1', 'w2', 'w3']) {
      const a = `model.layers.1.block_sparse_moe.experts.0.${k}.weight`,
        b = `model.layers.1.block_sparse_moe.experts.2.${k}.weight`;
      const t = w.get(a)!;
      w.set(a, w.get(b)!);
      w.set(b, t);
    }
  };
  const model = await openModel(await writeOracleModel(join(root, 'mixtral-swapped'), c, swap));
  const ex = executorFor(model);
  try {
    const r = await ex.run([ids], { logits: 'all' });
    const diff = maxLogitDiff(r.logits!, c.logits);
    assert.ok(diff > 1e-2, `swapped experts should change the logits (max |Δlogit| = ${diff})`);
  } finally {
    await ex.release();
  }
});

test('a mixture-of-experts layer above the size limit is refused with its size, the cost and the setting', async () => {
  const c = MOE_ORACLE.cases.mixtral;
  const model = await openModel(await writeOracleModel(join(root, 'mixtral-limit'), c));
  assert.throws(
    () => executorFor(model, { maxMoeLayerBytes: 1000 }),
    /GiB of float32 weights.*all 4 experts run on every token.*2\.0×.*LAYER_LENS_MAX_MOE_LAYER_GB/,
  );
});

test('MoE families the executor cannot run are refused naming what is missing', () => {
  assert.throws(() => decoderConfigFromJson({ model_type: 'granitemoe', hidden_size: 16 }, () => true), /granitemoe.*Granite multipliers/);
  assert.throws(() => decoderConfigFromJson({ model_type: 'llama4_text', hidden_size: 16 }, () => true), /chunked attention/);
  assert.throws(() => decoderConfigFromJson({ model_type: 'phimoe', hidden_size: 16 }, () => true), /sparsemixer/);
  assert.throws(() => decoderConfigFromJson({ ...MOE_ORACLE.cases.olmoe.config, clip_qkv: 8 }, () => true), /clip_qkv = 8/);
});

test('transformers v5 fused experts (mlp.experts.gate_up_proj / down_proj) run like the per-expert layout', async () => {
  const run = async (arch: 'mixtral' | 'mixtral_v5') => {
    const fx = await writeMoeFixture(join(root, `layout-${arch}`), { arch, seed: 11 });
    const ex = executorFor(await openModel(fx.dir));
    try {
      return (await ex.run([[1, 7, 3, 30, 12]], { logits: 'all' })).logits!;
    } finally {
      await ex.release();
    }
  };
  const a = await run('mixtral'),
    b = await run('mixtral_v5');
  let diff = 0,
    scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  assert.ok(scale > 0.01 && diff < 1e-5 * Math.max(1, scale), `max |Δlogit| = ${diff}`);
});

test('gpt-oss MXFP4 experts run as the decoded matrices they hold', async () => {
  // The fixture packs known [out, in] expert matrices into MXFP4 blocks and scales; the same model
  // with those matrices stored as transformers' dequantized gate_up_proj / down_proj must give the same logits.
  const fx = await writeMoeFixture(join(root, 'gpt-oss-mxfp4'), { arch: 'gpt_oss_mxfp4', seed: 5 });
  const model = await openModel(fx.dir);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of model.tensors) if (!/_(blocks|scales)$/.test(name)) weights.set(name, { shape: t.shape, data: await readTensorF32(model, name) });
  const d = fx.config.hidden_size as number;
  const f = fx.config.intermediate_size as number;
  fx.layers.forEach((truth, l) => {
    const E = truth.experts!.length;
    const gu = new Float32Array(E * d * 2 * f),
      dn = new Float32Array(E * f * d);
    truth.experts!.forEach((x, e) => {
      for (let r = 0; r < f; r++)
        for (let c = 0; c < d; c++) {
          gu[(e * d + c) * 2 * f + 2 * r] = x.gate.data[r * d + c];
          gu[(e * d + c) * 2 * f + 2 * r + 1] = x.up.data[r * d + c];
          dn[(e * f + r) * d + c] = x.down.data[c * f + r];
        }
    });
    weights.set(`model.layers.${l}.mlp.experts.gate_up_proj`, { shape: [E, d, 2 * f], data: gu });
    weights.set(`model.layers.${l}.mlp.experts.down_proj`, { shape: [E, f, d], data: dn });
  });
  const exFile = executorFor(model);
  const exMem = new DecoderExecutor(
    decoderConfigFromJson(fx.config, (n) => weights.has(n)),
    memoryWeightSource(weights),
  );
  try {
    const ids = [[4, 9, 1, 30, 17, 2]];
    const a = (await exFile.run(ids, { logits: 'all' })).logits!;
    const b = (await exMem.run(ids, { logits: 'all' })).logits!;
    let diff = 0,
      scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    assert.ok(scale > 0.01 && diff < 1e-5 * Math.max(1, scale), `max |Δlogit| = ${diff}`);
  } finally {
    await exFile.release();
    await exMem.release();
  }
});

test('DeepSeek-V3 FP8 weights with block scales run as the matrices they hold', async () => {
  // Every FP8 matrix of the fixture (latent attention, dense MLP, router-side experts) is written from a
  // known [out, in] matrix; the model with those matrices stored as float32 must give the same logits.
  const fx = await writeMoeFixture(join(root, 'deepseek-fp8'), { arch: 'deepseek_v3_fp8', seed: 9, configPatch: { n_group: 2, topk_group: 1 } });
  const model = await openModel(fx.dir);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of model.tensors)
    if (t.dtype !== 'F8_E4M3' && !name.endsWith('_scale_inv')) weights.set(name, { shape: t.shape, data: await readTensorF32(model, name) });
  const put = (name: string, m: { rows: number; cols: number; data: Float32Array }) => weights.set(name, { shape: [m.rows, m.cols], data: m.data });
  const ROLE: Record<string, string> = { q: 'self_attn.q_proj', o: 'self_attn.o_proj', gate: 'mlp.gate_proj', up: 'mlp.up_proj', down: 'mlp.down_proj' };
  const EXTRA: Record<string, string> = {
    q_a: 'self_attn.q_a_proj',
    q_b: 'self_attn.q_b_proj',
    kv_a: 'self_attn.kv_a_proj_with_mqa',
    kv_b: 'self_attn.kv_b_proj',
    router: 'mlp.gate',
  };
  fx.layers.forEach((truth, l) => {
    const p = `model.layers.${l}.`;
    for (const [role, m] of Object.entries(truth.roles)) put(`${p}${ROLE[role]}.weight`, m!);
    for (const [kind, m] of Object.entries(truth.extra)) put(`${p}${EXTRA[kind]}.weight`, m!);
    truth.experts?.forEach((x, e) => (['gate', 'up', 'down'] as const).forEach((k) => put(`${p}mlp.experts.${e}.${k}_proj.weight`, x[k])));
    if (truth.shared) (['gate', 'up', 'down'] as const).forEach((k) => put(`${p}mlp.shared_experts.${k}_proj.weight`, truth.shared![k]));
  });
  const exFile = executorFor(model);
  const exMem = new DecoderExecutor(
    decoderConfigFromJson(fx.config, (n) => weights.has(n)),
    memoryWeightSource(weights),
  );
  try {
    const ids = [[4, 9, 1, 30, 17, 2]];
    const a = (await exFile.run(ids, { logits: 'all' })).logits!;
    const b = (await exMem.run(ids, { logits: 'all' })).logits!;
    let diff = 0,
      scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    assert.ok(scale > 0.01 && diff < 1e-5 * Math.max(1, scale), `max |Δlogit| = ${diff}`);
  } finally {
    await exFile.release();
    await exMem.release();
  }
});

test('two latent-attention models that differ only in kv_lora_rank do not share compiled graphs', async () => {
  const c = MOE_ORACLE.cases.deepseek_v3;
  const { kv_lora_rank: r, qk_rope_head_dim: rope, qk_nope_head_dim: nope, v_head_dim: v, num_attention_heads: H, hidden_size: d } = c.config;
  const r2 = r + 2;
  const shapes: Record<string, number[]> = {
    'self_attn.kv_a_proj_with_mqa.weight': [r2 + rope, d],
    'self_attn.kv_a_layernorm.weight': [r2],
    'self_attn.kv_b_proj.weight': [H * (nope + v), r2],
  };
  const wider = {
    ...c,
    config: { ...c.config, kv_lora_rank: r2 },
    tensors: c.tensors.map((t) => {
      const suffix = Object.keys(shapes).find((k) => t.name.endsWith(k));
      return suffix ? { ...t, shape: shapes[suffix] } : t;
    }),
  };
  for (const [name, cs] of [
    ['narrow', c],
    ['wide', wider],
  ] as const) {
    const ex = executorFor(await openModel(await writeOracleModel(join(root, `mla-${name}`), cs)));
    try {
      const logits = (await ex.run([ids], { logits: 'last' })).logits!;
      assert.ok(logits.every(Number.isFinite));
      if (name === 'narrow') assert.ok(maxLogitDiff(logits, [c.logits[ids.length - 1]]) < 1e-4);
    } finally {
      await ex.release();
    }
  }
});
