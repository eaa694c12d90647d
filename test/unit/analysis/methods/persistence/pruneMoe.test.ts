/**
 * Pruning layers of mixture-of-experts models keeps every other layer's MLP kind: a pruned copy of
 * the Qwen2-MoE, Qwen3-MoE (every other layer sparse), DeepSeek-V3 and gpt-oss cases of
 * test/oracles/moe_forward.py runs with the logits of the original whose removed layer was made the
 * identity (its attention output and MLP down projections zeroed, so only the residual passes).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { writePrunedModel } from '../../../../../src/analysis/methods/persistence/prune';
import { MOE_ORACLE, writeOracleModel } from '../../model/executor/moeOracleModel';

const root = mkdtempSync(join(tmpdir(), 'layer-lens-moe-prune-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function logits(dir: string): Promise<{ logits: Float32Array | Float64Array; moe: boolean[] }> {
  const ex = executorFor(await openModel(dir));
  try {
    return { logits: (await ex.run([MOE_ORACLE.ids], { logits: 'all' })).logits!, moe: ex.specs.map((s) => s.moe !== null) };
  } finally {
    await ex.release();
  }
}

const CASES: Array<[string, number, boolean[]]> = [
  ['qwen2_moe_shared', 0, [true, true]],
  ['qwen2_moe_shared', 1, [false, true]],
  ['qwen3_moe_norm_topk', 0, [true, false]],
  ['deepseek_v3', 0, [true, true]],
  ['deepseek_v3', 2, [false, true]],
  ['gpt_oss', 1, [true, true]],
];

for (const [name, removed, moe] of CASES) {
  test(`pruning layer ${removed} of ${name} keeps the other layers' MLPs`, async () => {
    const c = MOE_ORACLE.cases[name];
    const dir = await writeOracleModel(join(root, `${name}-${removed}`), c);
    const pruned = join(root, `${name}-${removed}-pruned`);
    await writePrunedModel(await openModel(dir), [removed], pruned);
    // The original with layer `removed` reduced to its residual path.
    const identity = await writeOracleModel(join(root, `${name}-${removed}-identity`), c, (w) => {
      for (const [k, t] of w) {
        if (!k.startsWith(`model.layers.${removed}.`)) continue;
        // o_proj, every down projection (dense, experts, shared; gpt-oss's fused `experts.down_proj`) and their biases.
        if (/(o_proj\.(weight|bias)|down_proj(\.weight|\.bias|_bias)?)$/.test(k)) t.data.fill(0);
      }
    });
    const a = await logits(pruned),
      b = await logits(identity);
    assert.deepEqual(a.moe, moe, 'which layers route after pruning');
    let diff = 0;
    for (let i = 0; i < a.logits.length; i++) diff = Math.max(diff, Math.abs(a.logits[i] - b.logits[i]));
    assert.ok(diff < 1e-5, `max |Δlogit| = ${diff}`);
    const config = JSON.parse(readFileSync(join(pruned, 'config.json'), 'utf8'));
    assert.equal(config.num_hidden_layers, c.config.num_hidden_layers - 1);
  });
}
