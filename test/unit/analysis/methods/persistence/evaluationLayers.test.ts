/**
 * Running a model without some layers in memory is the model its pruned copy loads as: on the
 * mixture-of-experts and sliding-window cases of test/oracles/moe_forward.py, executorWithout's
 * logits equal those of the folder writePrunedModel writes (whose config.json renumbers the
 * dense/sparse layer pattern and layer_types), and each kept layer keeps its MLP kind and window.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { decoderConfig, executorFor, type DecoderConfig, type DecoderExecutor } from '../../../../../src/analysis/model/executor/index';
import { writePrunedModel } from '../../../../../src/analysis/methods/persistence/prune';
import { executorWithout, keptLayers, keptLayersConfig } from '../../../../../src/analysis/methods/persistence/evaluation/layerSubset';
import { MOE_ORACLE, writeOracleModel } from '../../model/executor/moeOracleModel';
import { REPO_ROOT } from '../../../../paths';

const root = mkdtempSync(join(tmpdir(), 'layer-lens-curves-layers-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function run(ex: DecoderExecutor): Promise<{ logits: Float32Array | Float64Array; moe: boolean[]; window: boolean[] }> {
  try {
    return {
      logits: (await ex.run([MOE_ORACLE.ids], { logits: 'all' })).logits!,
      moe: ex.specs.map((s) => s.moe !== null),
      window: ex.specs.map((s) => s.window),
    };
  } finally {
    await ex.release();
  }
}

for (const [name, removed] of [
  ['qwen2_moe_shared', [1]],
  ['deepseek_v3', [0]],
  ['deepseek_v3', [2]],
  ['gpt_oss', [0]],
] as Array<[string, number[]]>) {
  test(`${name} without layers ${removed}: in memory equals the pruned copy`, async () => {
    const dir = await writeOracleModel(join(root, `${name}-${removed}`), MOE_ORACLE.cases[name]);
    const model = await openModel(dir);
    const pruned = join(root, `${name}-${removed}-pruned`);
    await writePrunedModel(model, removed, pruned);
    const a = await run(executorWithout(model, removed));
    const b = await run(executorFor(await openModel(pruned)));
    assert.deepEqual(a.moe, b.moe, 'MLP kind of each kept layer');
    assert.deepEqual(a.window, b.window, 'attention window of each kept layer');
    assert.equal(a.logits.length, b.logits.length);
    let diff = 0;
    for (let i = 0; i < a.logits.length; i++) diff = Math.max(diff, Math.abs(a.logits[i] - b.logits[i]));
    assert.ok(diff < 1e-5, `max |Δlogit| = ${diff}`);
  });
}

test('kept layers and their configuration; impossible removals are refused', async () => {
  assert.deepEqual(keptLayers(5, [3, 1]), [0, 2, 4]);
  assert.throws(() => keptLayers(4, [0, 1, 2, 3]), /leaves no decoder layer/);
  assert.throws(() => keptLayers(4, [4]), /layer 4 does not exist: the model has layers 0\.\.3/);
  const cfg = decoderConfig(await openModel(join(REPO_ROOT, 'media/sample-model')));
  const sub = keptLayersConfig(cfg, [0, 3]);
  assert.equal(sub.numLayers, 2);
  assert.equal(sub.names.layer(1), cfg.names.layer(3));
  assert.throws(() => keptLayersConfig(cfg, [2, 1]), /ascending/);
  const moe = keptLayersConfig(
    { ...cfg, slidingLayers: [true, false, true, false], moe: { moeLayers: [false, true, true, false] } as unknown as DecoderConfig['moe'] },
    [1, 2, 3],
  );
  assert.deepEqual(moe.slidingLayers, [false, true, false]);
  assert.deepEqual(moe.moe?.moeLayers, [true, true, false]);
});
