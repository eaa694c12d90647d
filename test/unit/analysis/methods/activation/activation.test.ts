import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationAnalysis, type TokenizedPrompt } from '../../../../../src/analysis/methods/activation/activation';
import { roleKeys } from '../../../../../src/analysis/model/executor/arch';
import { activationLlama, referenceActivations } from '../../../../fixtures/activationLlama';

// The activation analysis against a direct re-computation from per-prompt gradients, and the exact
// symmetries of A = θ·∂y/∂θ that a Llama layer has.
const PROMPTS: TokenizedPrompt[] = [
  { domain: 'x', label: 'x1', ids: [1, 5, 9, 2] },
  { domain: 'x', label: 'x2', ids: [1, 5, 9, 3, 3] },
  { domain: 'y', label: 'y1', ids: [20, 21, 30, 31, 7, 7] },
  { domain: 'y', label: 'y2', ids: [20, 22, 30] },
];

test('activated fractions, similarities and sparsity equal a direct recomputation', async () => {
  const { cfg, ex } = activationLlama();
  try {
    const ref = await referenceActivations(ex, PROMPTS);
    const roles = Object.keys(roleKeys(cfg));
    // τ chosen from the data so that a sizable fraction is active: the median of mean |A| in layer 0.
    const means0 = roles.flatMap((r) => Array.from(ref[0][0][r], (_, i) => ref.reduce((s, p) => s + Math.abs(p[0][r][i]), 0) / ref.length));
    const tau = means0.sort((a, b) => a - b)[Math.floor(means0.length / 2)];
    const partials: number[] = [];
    const res = await activationAnalysis(ex, PROMPTS, { threshold: { kind: 'absolute', tau }, epsilon: 0.05, onPartial: (r) => partials.push(r.promptsDone) });
    assert.deepEqual(partials, [1, 2, 3]);
    assert.equal(res.tau, tau);
    assert.equal(res.trackedFraction, 1);
    for (let l = 0; l < cfg.numLayers; l++) {
      let active = 0,
        total = 0;
      roles.forEach((r, ri) => {
        const n = ref[0][l][r].length;
        let act = 0;
        for (let i = 0; i < n; i++) if (ref.reduce((s, p) => s + Math.abs(p[l][r][i]), 0) / ref.length > tau) act++;
        // float32 accumulation in the method vs float64 here: allow a parameter or two exactly at τ.
        assert.ok(Math.abs(res.roleFraction[l][ri] - act / n) <= 2 / n, `layer ${l} ${r}: ${res.roleFraction[l][ri]} vs ${act / n}`);
        active += act;
        total += n;
      });
      assert.ok(Math.abs(res.layerFraction[l] - active / total) < 3 / total);
    }
    assert.ok(Math.abs(res.layerFraction[0] - 0.5) < 0.01, 'τ = median of layer 0 activates half of it');
    // Similarity of every pair and layer: Σ|a·b| / (‖a‖‖b‖) over the layer's seven matrices.
    assert.equal(res.pairs.length, 6);
    for (const pair of res.pairs) {
      assert.equal(pair.sameDomain, PROMPTS[pair.a].domain === PROMPTS[pair.b].domain);
      for (let l = 0; l < cfg.numLayers; l++) {
        let dot = 0,
          na = 0,
          nb = 0;
        for (const r of roles) {
          const a = ref[pair.a][l][r],
            b = ref[pair.b][l][r];
          for (let i = 0; i < a.length; i++) {
            dot += Math.abs(a[i] * b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
          }
        }
        assert.ok(Math.abs(pair.similarity[l] - dot / Math.sqrt(na * nb)) < 1e-5);
      }
    }
    assert.equal(res.similarityByDepth.same[0]!.n, 2);
    assert.equal(res.similarityByDepth.cross[0]!.n, 4);
    const mean = res.pruneRatios.reduce((a, b) => a + b, 0) / res.pruneRatios.length;
    assert.ok(Math.abs(mean - 0.5) < 1e-9);
    // Forward sparsity: fraction of |silu(gate)·up| < ε over all tokens of all prompts.
    let small = 0,
      count = 0;
    for (const p of PROMPTS) {
      const r = await ex.run([p.ids], { logits: 'none', mlpActivations: true });
      for (const v of r.mlpActivations![1]) {
        if (Math.abs(v) < 0.05) small++;
        count++;
      }
    }
    assert.ok(Math.abs(res.forwardSparsity[1] - small / count) < 1e-12);
    // A strided sample estimates the same fractions.
    const sampled = await activationAnalysis(ex, PROMPTS, { threshold: { kind: 'absolute', tau }, maxTrackedParams: 4000 });
    assert.ok(sampled.trackedFraction < 0.5);
    for (let l = 0; l < cfg.numLayers; l++) assert.ok(Math.abs(sampled.layerFraction[l] - res.layerFraction[l]) < 0.08);
  } finally {
    await ex.release();
  }
});

test('A = θ·∂y/∂θ obeys the layer symmetries: Σ A_q = Σ A_k, Σ A_v = Σ A_o, Σ A_up = Σ A_down', async () => {
  // y is unchanged by (Wq, Wk) → (cWq, Wk/c), (Wv, Wo) → (cWv, Wo/c) and (Wu, Wd) → (cWu, Wd/c);
  // differentiating at c = 1 gives these identities for the exact gradient.
  const { ex } = activationLlama({ precision: 'float64' });
  try {
    const sums: Array<Record<string, number>> = [];
    await ex.run(
      [PROMPTS[2].ids],
      { logits: 'none' },
      {
        objective: 'max-logit',
        onLayer: ({ layer, weights, grads }) => {
          const s: Record<string, number> = {};
          for (const [role, key] of Object.entries(roleKeys(ex.cfg)) as Array<[string, string]>) {
            let acc = 0;
            for (let i = 0; i < weights[key].length; i++) acc += weights[key][i] * grads[key][i];
            s[role] = acc;
          }
          sums[layer] = s;
        },
      },
    );
    for (const s of sums) {
      const scale = Math.max(...Object.values(s).map(Math.abs));
      assert.ok(scale > 1e-3);
      assert.ok(Math.abs(s.q - s.k) < 1e-9 * scale, `q ${s.q} k ${s.k}`);
      assert.ok(Math.abs(s.v - s.o) < 1e-9 * scale, `v ${s.v} o ${s.o}`);
      assert.ok(Math.abs(s.up - s.down) < 1e-9 * scale, `up ${s.up} down ${s.down}`);
    }
  } finally {
    await ex.release();
  }
});

test('a relative threshold is a multiple of the model-wide mean |A|', async () => {
  const { cfg, source, ex } = activationLlama();
  try {
    const res = await activationAnalysis(ex, PROMPTS.slice(0, 2), { threshold: { kind: 'relative', factor: 1 } });
    const perLayer = ['q', 'k', 'v', 'o', 'gate', 'up', 'down']
      .map((r) => source.shape(`${cfg.names.layer(0)}${r === 'gate' || r === 'up' || r === 'down' ? `mlp.${r}_proj` : `self_attn.${r}_proj`}.weight`))
      .reduce((s, [a, b]) => s + a * b, 0);
    const overall = res.meanAbsActivation.reduce((a, b) => a + b, 0) / cfg.numLayers; // equal layer sizes
    assert.ok(Math.abs(res.tau - overall) < 1e-6 * overall);
    assert.ok(res.layerFraction.every((f) => f > 0 && f < 1));
    assert.equal(perLayer, 16 * 16 * 2 + 8 * 16 * 2 + 24 * 16 * 3);
    await assert.rejects(activationAnalysis(ex, []), /at least one prompt/);
  } finally {
    await ex.release();
  }
});
