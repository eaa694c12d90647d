// Activated fraction per layer by prompt domain, against a direct recomputation from per-prompt
// activations A = θ·∂y/∂θ taken here (float64, one backward pass per prompt) and, with a single
// domain, against the run's own layerFraction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationAnalysis, type TokenizedPrompt } from '../../../../../src/analysis/methods/activation/activation';
import { domainLayerFractions } from '../../../../../src/analysis/methods/activation/domainDensity';
import { roleKeys } from '../../../../../src/analysis/model/executor/arch';
import { activationLlama, referenceActivations } from '../../../../fixtures/activationLlama';

const PROMPTS: TokenizedPrompt[] = [
  { domain: 'code', label: 'c1', ids: [1, 5, 9, 2] },
  { domain: 'prose', label: 'p1', ids: [20, 21, 30, 31, 7, 7] },
  { domain: 'code', label: 'c2', ids: [1, 5, 9, 3, 3] },
  { domain: 'prose', label: 'p2', ids: [20, 22, 30] },
  { domain: 'prose', label: 'p3', ids: [11, 4, 28] },
];

test('per-domain density: one line per domain from that domain’s prompts only; one domain equals layerFraction', async () => {
  const { cfg, ex } = activationLlama();
  try {
    const ref = await referenceActivations(ex, PROMPTS, true);
    const roles = Object.keys(roleKeys(cfg));
    // τ from the data: the median of mean |A| over all prompts in layer 1, so the fractions are far from 0 and 1.
    const means = roles.flatMap((r) => Array.from(ref[0][1][r], (_, i) => ref.reduce((s, p) => s + p[1][r][i], 0) / ref.length));
    const tau = means.sort((a, b) => a - b)[Math.floor(means.length / 2)];
    const res = await activationAnalysis(ex, PROMPTS, { threshold: { kind: 'absolute', tau } });
    const byDomain = res.domainLayerFraction!;
    assert.deepEqual(
      byDomain.map((d) => d.domain),
      ['code', 'prose'],
    );
    for (const { domain, fraction } of byDomain) {
      const members = ref.filter((_, p) => PROMPTS[p].domain === domain);
      assert.equal(fraction.length, cfg.numLayers);
      for (let l = 0; l < cfg.numLayers; l++) {
        let active = 0,
          total = 0;
        for (const r of roles) {
          const n = members[0][l][r].length;
          for (let i = 0; i < n; i++) if (members.reduce((s, p) => s + p[l][r][i], 0) / members.length > tau) active++;
          total += n;
        }
        // float32 accumulation in the method vs float64 here: a parameter or two may sit at τ.
        assert.ok(Math.abs(fraction[l] - active / total) <= 3 / total, `${domain} layer ${l}: ${fraction[l]} vs ${active / total}`);
      }
    }
    // The two domains differ somewhere (the test would not tell them apart otherwise).
    assert.ok(byDomain[0].fraction.some((f, l) => Math.abs(f - byDomain[1].fraction[l]) > 0.01));
    // One domain: exactly the run's layer density, for an absolute and a relative τ.
    const single = PROMPTS.map((p) => ({ ...p, domain: 'all' }));
    for (const threshold of [{ kind: 'absolute', tau } as const, { kind: 'relative', factor: 1 } as const]) {
      const one = await activationAnalysis(ex, single, { threshold });
      assert.equal(one.domainLayerFraction!.length, 1);
      assert.deepEqual(one.domainLayerFraction![0], { domain: 'all', fraction: one.layerFraction });
    }
  } finally {
    await ex.release();
  }
});

test('domainLayerFractions weights each matrix by its real size and rejects mismatched inputs', () => {
  // One layer, two matrices of real sizes 10 and 30 whose tracked subsets are 2 and 3 entries.
  const pattern = (a: number[], b: number[]) => [[Float32Array.from(a), Float32Array.from(b)]];
  const patterns = [pattern([1, 0], [1, 1, 0]), pattern([1, 0], [0, 1, 0]), pattern([0, 0], [4, 4, 4])];
  const layers = [{ sizes: [10, 30], kinds: ['q', 'up'] }];
  const got = domainLayerFractions(patterns, ['a', 'a', 'b'], layers, ['q', 'up'], 0.4);
  // a: means [1, 0] → ½ of q; [0.5, 1, 0] → ⅔ of up. Layer: (½·10 + ⅔·30) / 40 = 25/40.
  // b: means [0, 0] → 0 of q; [4, 4, 4] → all of up. Layer: 30/40.
  assert.equal(got.length, 2);
  assert.ok(Math.abs(got[0].fraction[0] - 25 / 40) < 1e-12);
  assert.ok(Math.abs(got[1].fraction[0] - 30 / 40) < 1e-12);
  assert.throws(() => domainLayerFractions(patterns, ['a'], layers, ['q', 'up'], 0.4), /3 activation patterns for 1 prompt domains/);
});
