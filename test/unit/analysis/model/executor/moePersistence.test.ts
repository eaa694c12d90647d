/**
 * Persistence on a mixture-of-experts model (the Mixtral case of test/oracles/moe_forward.py, as a
 * model folder): the job runs end to end, and its hidden-state clouds are the executor's
 * post-attention-norm and final-norm states at each prompt's last token.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { hiddenStateClouds, runPersistenceJob } from '../../../../../src/analysis/methods/persistence/job';
import { MOE_ORACLE, writeOracleModel } from './moeOracleModel';

const root = mkdtempSync(join(tmpdir(), 'layer-lens-moe-persistence-'));
after(() => rmSync(root, { recursive: true, force: true }));

// 16 prompts of 3 to 6 tokens, drawn from a fixed LCG.
const prompts: number[][] = [];
let s = 12345;
for (let i = 0; i < 16; i++) {
  const n = 3 + (i % 4);
  prompts.push(Array.from({ length: n }, () => (s = (1103515245 * s + 12345) % 2147483648) % 32));
}

test('persistence runs on a mixture-of-experts model, on the executor hidden states', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(await writeOracleModel(join(root, 'mixtral'), MOE_ORACLE.cases.mixtral));
  const { clouds, names } = await hiddenStateClouds(model, prompts, { engine, batchSize: 4 });
  assert.deepEqual(names, ['layer 0 post-attention norm', 'layer 1 post-attention norm', 'final norm']);
  const ex = executorFor(model, { engine });
  try {
    const d = 16;
    for (const i of [0, 9]) {
      const r = await ex.run([prompts[i]], { logits: 'none', postAttentionNorm: true });
      const T = prompts[i].length;
      const alone = r.postAttentionNorm![1].subarray((T - 1) * d, T * d);
      alone.forEach((v, t) => assert.ok(Math.abs(v - clouds[1].data[i * d + t]) < 1e-5, `prompt ${i} coordinate ${t}`));
    }
  } finally {
    await ex.release();
  }
  const res = await runPersistenceJob(model, { prompts: [{ kind: 'tokens', ids: prompts }], k: 3, maxDim: 2 }, { engine });
  assert.equal(res.prompts, 16);
  assert.deepEqual(res.cloudNames, names);
  assert.equal(res.decoderLayers, 2);
  // Every cloud has at least one connected component; 16 points with 3 neighbours have at most 16.
  for (const b0 of res.betti[0]) assert.ok(b0 >= 1 && b0 <= 16, `β0 = ${b0}`);
});
