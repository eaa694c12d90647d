/**
 * Backward of the mixture-of-experts graphs against central finite differences in float64, on the
 * in-memory weights of test/oracles/moe_forward.py's cases: gpt-oss (attention sinks, router bias,
 * clamped GLU experts with biases, read from the fused interleaved tensors) and OLMoE (q/k norms
 * over the whole projection). The objective is the largest last-position logit, as the activation
 * analysis uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecoderExecutor, type LayerGradients } from '../../../../../src/analysis/model/executor/decoder';
import { decoderConfigFromJson } from '../../../../../src/analysis/model/executor/config';
import { memoryWeightSource } from '../../../../../src/analysis/model/executor/weights';
import { MOE_ORACLE, oracleWeights } from './moeOracleModel';

const IDS = MOE_ORACLE.ids;

/** A checkpoint tensor probed by finite differences: its layer, the executor key of its gradient, and the map from its flat index into that gradient. */
interface Probe {
  tensor: string;
  layer: number;
  key: string;
  index: (i: number) => number;
}

const F = 8,
  D = 16;
const GPT_OSS: Probe[] = [
  { tensor: 'model.layers.1.self_attn.sinks', layer: 1, key: 'sinks', index: (i) => i },
  { tensor: 'model.layers.0.self_attn.sinks', layer: 0, key: 'sinks', index: (i) => i },
  { tensor: 'model.layers.1.mlp.router.bias', layer: 1, key: 'router.bias', index: (i) => i },
  { tensor: 'model.layers.1.mlp.router.weight', layer: 1, key: 'router.weight', index: (i) => i },
  { tensor: 'model.layers.2.self_attn.o_proj.bias', layer: 2, key: 'o.bias', index: (i) => i },
  // gate_up_proj [E, d, 2F], x @ W: element (e, c, 2r) is gate[e][r][c], (e, c, 2r + 1) is up[e][r][c].
  {
    tensor: 'model.layers.1.mlp.experts.gate_up_proj',
    layer: 1,
    key: 'experts.gate_or_up',
    index: (i) => i,
  },
  {
    tensor: 'model.layers.2.mlp.experts.gate_up_proj_bias',
    layer: 2,
    key: 'experts.gate_or_up_bias',
    index: (i) => i,
  },
  // down_proj [E, F, d]: element (e, r, c) is down[e][c][r].
  { tensor: 'model.layers.2.mlp.experts.down_proj', layer: 2, key: 'experts.down', index: (i) => i },
  { tensor: 'model.layers.0.mlp.experts.down_proj_bias', layer: 0, key: 'experts.down_bias', index: (i) => i },
];

/** The gradient of a gpt-oss checkpoint element from the executor's canonical gradients. */
function gptOssGrad(p: Probe, g: Record<string, Float32Array | Float64Array>, i: number): number {
  if (p.key === 'experts.gate_or_up') {
    const e = Math.floor(i / (D * 2 * F)),
      c = Math.floor(i / (2 * F)) % D,
      col = i % (2 * F);
    return g[col % 2 === 0 ? 'experts.gate' : 'experts.up'][(e * F + (col >> 1)) * D + c];
  }
  if (p.key === 'experts.gate_or_up_bias') return g[i % 2 === 0 ? 'experts.gate_bias' : 'experts.up_bias'][i >> 1];
  if (p.key === 'experts.down') {
    const e = Math.floor(i / (F * D)),
      r = Math.floor(i / D) % F,
      c = i % D;
    return g['experts.down'][(e * D + c) * F + r];
  }
  return g[p.key][p.index(i)];
}

async function check(name: string, probes: Probe[], grad: (p: Probe, g: Record<string, Float32Array | Float64Array>, i: number) => number) {
  const c = MOE_ORACLE.cases[name];
  const weights = new Map([...oracleWeights(c)].map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
  const cfg = decoderConfigFromJson(c.config, (n) => weights.has(n));
  const ex = new DecoderExecutor(cfg, memoryWeightSource(weights), { precision: 'float64' });
  const value = async () => Math.max(...(await ex.run([IDS], { logits: 'last' })).logits!);
  try {
    const layers = new Map<number, LayerGradients>();
    const r = await ex.run([IDS], { logits: 'none' }, { objective: 'max-logit', onLayer: (g) => void layers.set(g.layer, g) });
    assert.ok(Math.abs(r.objectiveValue! - Math.max(...c.logits[IDS.length - 1])) < 1e-6);
    const h = 1e-5;
    for (const p of probes) {
      const data = weights.get(p.tensor)!.data as Float64Array;
      let nonzero = 0;
      for (const i of [0, 1, Math.floor(data.length / 3), Math.floor(data.length / 2) + 1, data.length - 1]) {
        const keep = data[i];
        data[i] = keep + h;
        const fp = await value();
        data[i] = keep - h;
        const fm = await value();
        data[i] = keep;
        const fd = (fp - fm) / (2 * h);
        const g = grad(p, layers.get(p.layer)!.grads, i);
        if (g !== 0) nonzero++;
        assert.ok(Math.abs(fd - g) <= 1e-6 * Math.max(1, Math.abs(fd)), `${p.tensor}[${i}]: backward ${g} vs central difference ${fd}`);
      }
      assert.ok(nonzero > 0, `${p.tensor}: some probed gradient is non-zero`);
    }
  } finally {
    await ex.release();
  }
}

test('gpt-oss gradients (sinks, router bias, clamped GLU experts and biases) equal central differences (float64)', async () => {
  await check('gpt_oss', GPT_OSS, gptOssGrad);
});

test('OLMoE gradients (whole-projection q/k norms, experts, router) equal central differences (float64)', async () => {
  const f = 12;
  const probes: Probe[] = [
    { tensor: 'model.layers.0.self_attn.q_norm.weight', layer: 0, key: 'q_norm.weight', index: (i) => i },
    { tensor: 'model.layers.1.self_attn.k_norm.weight', layer: 1, key: 'k_norm.weight', index: (i) => i },
    { tensor: 'model.layers.1.mlp.gate.weight', layer: 1, key: 'router.weight', index: (i) => i },
    ...[0, 1, 2, 3, 4].map((e) => ({
      tensor: `model.layers.1.mlp.experts.${e}.up_proj.weight`,
      layer: 1,
      key: 'experts.up',
      index: (i: number) => e * f * D + i,
    })),
  ];
  // Only experts the last token reaches through layer 1 have a gradient; probe those the oracle routes it to.
  const routed = MOE_ORACLE.cases.olmoe.routes[1]![IDS.length - 1];
  await check(
    'olmoe',
    probes.filter((p) => !p.tensor.includes('experts.') || routed.some((e) => p.tensor.includes(`experts.${e}.`))),
    (p, g, i) => g[p.key][p.index(i)],
  );
});

test('DeepSeek-V3 gradients (latent attention factors, router, shared experts) equal central differences (float64)', async () => {
  const direct = (tensor: string, layer: number, key: string): Probe => ({ tensor, layer, key, index: (i) => i });
  const probes: Probe[] = [
    direct('model.layers.0.self_attn.q_a_proj.weight', 0, 'q_a.weight'),
    direct('model.layers.0.self_attn.q_a_layernorm.weight', 0, 'q_a_norm.weight'),
    direct('model.layers.1.self_attn.q_b_proj.weight', 1, 'q_b.weight'),
    direct('model.layers.1.self_attn.kv_a_proj_with_mqa.weight', 1, 'kv_a.weight'),
    direct('model.layers.2.self_attn.kv_a_layernorm.weight', 2, 'kv_a_norm.weight'),
    direct('model.layers.2.self_attn.kv_b_proj.weight', 2, 'kv_b.weight'),
    direct('model.layers.1.self_attn.o_proj.weight', 1, 'o.weight'),
    direct('model.layers.2.mlp.gate.weight', 2, 'router.weight'),
    direct('model.layers.1.mlp.shared_experts.down_proj.weight', 1, 'shared.down.weight'),
    direct('model.layers.0.mlp.up_proj.weight', 0, 'up.weight'),
  ];
  await check('deepseek_v3', probes, (p, g, i) => g[p.key][p.index(i)]);
});

test('DeepSeek-V3 e_score_correction_bias only chooses experts: its gradient is zero', async () => {
  const c = MOE_ORACLE.cases.deepseek_v3;
  const weights = new Map([...oracleWeights(c)].map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
  const ex = new DecoderExecutor(
    decoderConfigFromJson(c.config, (n) => weights.has(n)),
    memoryWeightSource(weights),
    { precision: 'float64' },
  );
  try {
    const grads: Record<number, Float32Array | Float64Array> = {};
    await ex.run([IDS], { logits: 'none' }, { objective: 'max-logit', onLayer: (g) => void (grads[g.layer] = g.grads['router.correction_bias']) });
    for (const l of [1, 2]) assert.ok(grads[l].length === 8 && grads[l].every((x) => x === 0));
    // Yet it decides the routing: a large bias on expert 0 of layer 2 routes every token there.
    weights.get('model.layers.2.mlp.gate.e_score_correction_bias')!.data[0] = 10;
    const r = await ex.run([IDS], { logits: 'none', expertSelection: true });
    const sel = r.expertSelection![2]!;
    for (let t = 0; t < IDS.length; t++) assert.equal(sel[t * 8], 1);
  } finally {
    await ex.release();
  }
});
