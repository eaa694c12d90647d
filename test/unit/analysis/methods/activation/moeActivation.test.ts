import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecoderExecutor, type LayerGradients } from '../../../../../src/analysis/model/executor/decoder';
import { decoderConfigFromJson } from '../../../../../src/analysis/model/executor/config';
import { memoryWeightSource, type HostWeight } from '../../../../../src/analysis/model/executor/weights';
import { activationAnalysis, type TokenizedPrompt } from '../../../../../src/analysis/methods/activation/activation';
import { activationTidyRows } from '../../../../../src/analysis/methods/activation/csv';
import { runActivationJob } from '../../../../../src/analysis/methods/activation/job';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { MOE_ORACLE, oracleWeights, writeOracleModel } from '../../model/executor/moeOracleModel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Activation on a mixture-of-experts model (the Qwen2-MoE case of test/oracles/moe_forward.py: a dense
// layer 0, routed layers 1 and 2 with a shared expert): the gradients the analysis multiplies by θ,
// for expert, shared-expert and router matrices, against central finite differences of its
// objective (the largest last-position logit), an expert no token is routed to getting exactly zero,
// and the per-expert and per-kind figures against their closed forms.
const C = MOE_ORACLE.cases.qwen2_moe_shared;
const IDS = MOE_ORACLE.ids;
const T = IDS.length;

function float64Model(): { ex: DecoderExecutor; weights: Map<string, HostWeight> } {
  const weights = new Map([...oracleWeights(C)].map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
  const cfg = decoderConfigFromJson(C.config, (n) => weights.has(n));
  return { ex: new DecoderExecutor(cfg, memoryWeightSource(weights), { precision: 'float64' }), weights };
}

async function maxLastLogit(ex: DecoderExecutor): Promise<number> {
  const r = await ex.run([IDS], { logits: 'last' });
  return Math.max(...r.logits!);
}

test('expert, shared-expert and router gradients equal central differences of the largest logit (float64)', async () => {
  const { ex, weights } = float64Model();
  try {
    const layers = new Map<number, LayerGradients>();
    const r = await ex.run([IDS], { logits: 'none' }, { objective: 'max-logit', onLayer: (g) => void layers.set(g.layer, g) });
    assert.ok(Math.abs(r.objectiveValue! - Math.max(...C.logits[T - 1])) < 1e-6, 'the objective is the oracle largest last logit');
    const f = C.config.moe_intermediate_size,
      d = C.config.hidden_size;
    // Layer 1: an expert the last token is routed to, the shared expert, the shared gate and the router.
    const e = C.routes[1]![T - 1][0];
    const cases: Array<{ tensor: string; key: string; offset: number }> = [
      { tensor: `model.layers.1.mlp.experts.${e}.gate_proj.weight`, key: 'experts.gate', offset: e * f * d },
      { tensor: `model.layers.1.mlp.experts.${e}.up_proj.weight`, key: 'experts.up', offset: e * f * d },
      { tensor: `model.layers.1.mlp.experts.${e}.down_proj.weight`, key: 'experts.down', offset: e * d * f },
      { tensor: 'model.layers.1.mlp.shared_expert.down_proj.weight', key: 'shared.down.weight', offset: 0 },
      { tensor: 'model.layers.1.mlp.shared_expert_gate.weight', key: 'shared_gate.weight', offset: 0 },
      { tensor: 'model.layers.1.mlp.gate.weight', key: 'router.weight', offset: 0 },
    ];
    const h = 1e-5;
    for (const c of cases) {
      const data = weights.get(c.tensor)!.data as Float64Array;
      const grad = layers.get(1)!.grads[c.key];
      for (const i of [0, Math.floor(data.length / 2), data.length - 1]) {
        const keep = data[i];
        data[i] = keep + h;
        const fp = await maxLastLogit(ex);
        data[i] = keep - h;
        const fm = await maxLastLogit(ex);
        data[i] = keep;
        const fd = (fp - fm) / (2 * h);
        const g = grad[c.offset + i];
        assert.ok(Math.abs(fd - g) <= 1e-6 * Math.max(1, Math.abs(fd)), `${c.tensor}[${i}]: backward ${g} vs central difference ${fd}`);
      }
      assert.ok(
        grad.subarray(c.offset, c.offset + data.length).some((x) => Math.abs(x) > 1e-8),
        `${c.tensor} has a non-zero gradient`,
      );
    }
    // Layer 2: expert 0 is routed no token (oracle routes), so its weights get exactly zero gradient.
    assert.ok(C.routes[2]!.every((experts) => !experts.includes(0)));
    const g2 = layers.get(2)!.grads;
    for (const key of ['experts.gate', 'experts.up', 'experts.down']) {
      const n = g2[key].length / C.config.num_experts;
      assert.ok(
        g2[key].subarray(0, n).every((x) => x === 0),
        `${key} of unrouted expert 0 has zero gradient`,
      );
      assert.ok(
        g2[key].subarray(n).some((x) => x !== 0),
        `${key} of routed experts has a gradient`,
      );
    }
  } finally {
    await ex.release();
  }
});

test('activation on a MoE model: per-expert fractions, the all-experts view, the router and routing shares', async () => {
  const { ex } = float64Model();
  const prompts: TokenizedPrompt[] = [
    { domain: 'a', label: 'a', ids: IDS },
    // A prefix of the first: causal attention gives its tokens the same routes, so layer 2 never picks expert 0.
    { domain: 'b', label: 'b', ids: IDS.slice(0, 5) },
  ];
  try {
    const res = await activationAnalysis(ex, prompts, { threshold: { kind: 'relative', factor: 1 } });
    assert.deepEqual(res.roles, ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'router']);
    const x = res.experts!;
    assert.deepEqual(x.labels, ['0', '1', '2', '3', 'shared']);
    assert.equal(x.fraction[0], null, 'layer 0 is dense');
    assert.ok(Number.isNaN(res.roleFraction[0][7]), 'a dense layer has no router');
    assert.equal(res.activatedShare[0][7], 0);
    for (const l of [1, 2]) {
      // Every token picks exactly k = 2 routed experts.
      const share = x.routedShare[l]!;
      assert.ok(Math.abs(share.reduce((a, b) => a + b, 0) - 2) < 1e-12, `layer ${l}: routed shares sum to k`);
      // The all-experts gate/up/down fraction is the size-weighted mean of the experts' (routed width 12, shared 10).
      const sizes = [12, 12, 12, 12, 10];
      for (const [j, kind] of [
        [0, 4],
        [1, 5],
        [2, 6],
      ]) {
        const want = x.fraction[l]!.reduce((s, row, e) => s + row[j] * sizes[e], 0) / sizes.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(res.roleFraction[l][kind] - want) < 1e-12, `layer ${l} kind ${kind}`);
      }
    }
    // Expert 0 of layer 2 gets no token of either prompt: nothing of it is activated.
    assert.equal(x.routedShare[2]![0], 0);
    assert.deepEqual(x.fraction[2]![0], [0, 0, 0]);
    assert.ok(x.fraction[1]!.some((row) => row.some((v) => v > 0)));
    // Stacked shares add up to the layer's fraction, and the tidy rows carry the experts.
    res.activatedShare.forEach((s, l) => assert.ok(Math.abs(s.reduce((a, b) => a + b, 0) - res.layerFraction[l]) < 1e-12));
    const rows = activationTidyRows(res);
    assert.ok(rows.some((r) => r.layer === 1 && r.kind === 'expert3.down' && r.metric === 'activated_fraction'));
    assert.ok(rows.some((r) => r.layer === 2 && r.kind === 'shared.gate' && r.metric === 'activated_fraction'));
    assert.ok(rows.some((r) => r.layer === 1 && r.kind === 'expert0' && r.metric === 'routed_share'));
    assert.ok(res.forwardSparsity.every((s) => s >= 0 && s <= 1));
  } finally {
    await ex.release();
  }
});

for (const [name, k, E, shared] of [
  ['olmoe', 3, 5, false],
  ['gpt_oss', 2, 5, false],
  ['deepseek_v3', 2, 8, true],
] as const) {
  test(`the activation job runs on a MoE model folder (${name})`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'layer-lens-moe-activation-'));
    try {
      const model = await openModel(await writeOracleModel(join(root, name), MOE_ORACLE.cases[name]));
      const res = await runActivationJob(model, { prompts: [{ kind: 'tokens', ids: [IDS, IDS.slice(2)] }] });
      assert.equal(res.promptsDone, 2);
      assert.deepEqual(res.experts!.labels, [...Array.from({ length: E }, (_, e) => String(e)), ...(shared ? ['shared'] : [])]);
      // k experts per token in every routed layer.
      for (const share of res.experts!.routedShare) if (share) assert.ok(Math.abs(share.reduce((a, b) => a + b, 0) - k) < 1e-12);
      if (name === 'deepseek_v3') {
        // Latent attention: its factors are the attention columns; layer 0 is dense.
        assert.deepEqual(res.roles, ['q_a', 'q_b', 'kv_a', 'kv_b', 'o', 'gate', 'up', 'down', 'router']);
        assert.equal(res.experts!.fraction[0], null);
      }
      assert.ok(res.layerFraction.every((f) => f >= 0 && f <= 1));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
