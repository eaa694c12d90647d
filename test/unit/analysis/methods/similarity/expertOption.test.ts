// Layer similarity's expert option on mixture-of-experts fixtures (test/fixtures/moeLayouts.ts):
// `expert: 3` compares expert 3's matrix across the MoE layers, with DOCS equal to a float64
// re-computation from the matrices the fixture wrote; without it, MoE layers are skipped with a note
// that says so, or, when nothing dense is left, an error that says how to choose an expert.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { layerSimilarity } from '../../../../../src/analysis/methods/similarity/layerSimilarity';
import { parseSimilaritySettings, settingsKey } from '../../../../../src/analysis/methods/similarity/options';
import { formatSimilarity, similarityCli } from '../../../../../src/analysis/methods/similarity/cli';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { docs as docsOracle, vectorsOf } from '../../../../e2e/lib/docsOracle';
import { writeMoeFixture } from '../../../../fixtures/moeLayouts';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });
let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-sim-expert-'));
});
after(() => rm(root, { recursive: true, force: true }));

test("mixtral: expert 3's up across the layers equals a float64 DOCS of the fixture's matrices; without an expert, a plain error", async () => {
  const fx = await writeMoeFixture(join(root, 'mixtral'), { arch: 'mixtral' });
  const model = await openModel(fx.dir);
  const engine = await cpu();
  const r = await layerSimilarity(engine, model, { kind: 'up', expert: 3, indices: ['docs'] });
  assert.deepEqual(r.layers, [0, 1, 2]);
  assert.equal(r.expert, 3);
  for (const p of r.pairs) {
    const [a, b] = [fx.layers[p.layerA].experts![3].up, fx.layers[p.layerB].experts![3].up];
    const want = docsOracle(vectorsOf(a.data, a.rows, a.cols, true), vectorsOf(b.data, b.rows, b.cols, true));
    assert.ok(Math.abs((p.values.docs as number) - want) < 1e-4, `L${p.layerA}×L${p.layerB}: ${p.values.docs} vs ${want}`);
  }
  assert.match(formatSimilarity(r, 'docs'), / · up of e3 · DOCS/);
  await assert.rejects(layerSimilarity(engine, model, { kind: 'up' }), /Layers 0, 1, 2 are mixture-of-experts layers: .*choose an expert/);
  await assert.rejects(layerSimilarity(engine, model, { kind: 'up', expert: 9 }), /No mixture-of-experts layer has an expert 9/);
  await assert.rejects(layerSimilarity(engine, model, { kind: 'up', layers: [0, 1] }), /Layers 0, 1, 2 are mixture-of-experts layers/);
  // Attention kinds are unaffected.
  assert.deepEqual((await layerSimilarity(engine, model, { kind: 'q', indices: ['docs'] })).layers, [0, 1, 2]);
});

test('qwen2_moe: the shared expert across layers 1–2; qwen3_moe: the MoE layer is skipped with a note', async () => {
  const engine = await cpu();
  const q2 = await writeMoeFixture(join(root, 'qwen2'), { arch: 'qwen2_moe' });
  const r = await layerSimilarity(engine, await openModel(q2.dir), { kind: 'gate', expert: 'shared', indices: ['docs', 'cka'] });
  assert.deepEqual(r.layers, [1, 2]);
  const [a, b] = [q2.layers[1].shared!.gate, q2.layers[2].shared!.gate];
  const want = docsOracle(vectorsOf(a.data, a.rows, a.cols, true), vectorsOf(b.data, b.rows, b.cols, true));
  assert.ok(Math.abs((r.pairs[0].values.docs as number) - want) < 1e-4);
  const q3 = await writeMoeFixture(join(root, 'qwen3'), { arch: 'qwen3_moe' });
  const model3 = await openModel(q3.dir);
  const moe = model3.layers.filter((l) => l.moe).map((l) => l.index);
  const dense = await layerSimilarity(engine, model3, { kind: 'down', indices: ['docs'] });
  assert.deepEqual(
    dense.layers,
    model3.layers.filter((l) => !l.moe).map((l) => l.index),
  );
  assert.match(dense.notes?.join('\n') ?? '', new RegExp(`Skipped mixture-of-experts layers ${moe.join(', ')}: they have no dense 'down'`));
  assert.match(formatSimilarity(dense, 'docs'), /Skipped mixture-of-experts layers/);
});

test('the expert option: validator, cache key, command line', () => {
  assert.deepEqual(parseSimilaritySettings({ kind: 'up', expert: 2 }), { kind: 'up', expert: 2 });
  assert.deepEqual(parseSimilaritySettings({ kind: 'down', expert: 'shared' }), { kind: 'down', expert: 'shared' });
  assert.throws(() => parseSimilaritySettings({ kind: 'q', expert: 1 }), /similarity option 'expert' must be used with kind gate, up or down/);
  assert.throws(() => parseSimilaritySettings({ kind: 'up', expert: -1 }), /similarity option 'expert'/);
  assert.throws(() => parseSimilaritySettings({ kind: 'up', expert: 'all' }), /similarity option 'expert'/);
  // Runs without an expert keep their cache keys; each expert gets its own.
  assert.equal(
    settingsKey({ kind: 'up' }),
    JSON.stringify(['up', 'all', 'every', 'neuron', ['docs', 'pearson', 'cosine', 'r2', 'linreg', 'cka', 'hsic', 'cca', 'svcca', 'procrustes'], 'otsu']),
  );
  assert.notEqual(settingsKey({ kind: 'up', expert: 1 }), settingsKey({ kind: 'up', expert: 2 }));
  assert.equal((similarityCli.toOptions({ kind: 'up', expert: '3' })[0] as { expert?: unknown }).expert, 3);
  assert.equal((similarityCli.toOptions({ kind: 'up', expert: 'shared' })[0] as { expert?: unknown }).expert, 'shared');
  assert.equal((similarityCli.toOptions({ kind: 'up' })[0] as { expert?: unknown }).expert, undefined);
  assert.throws(() => similarityCli.toOptions({ kind: 'up', expert: 'x' }), /--expert/);
});

test("the router and MLA's factor matrices are kinds of their own: DOCS across layers equals a float64 DOCS of the fixture's matrices", async () => {
  const engine = await cpu();
  const fx = await writeMoeFixture(join(root, 'deepseek'), { arch: 'deepseek_v3' });
  const model = await openModel(fx.dir);
  for (const kind of ['router', 'q_a', 'kv_b'] as const) {
    const having = fx.layers.flatMap((l, i) => (l.extra[kind] ? [i] : []));
    const r = await layerSimilarity(engine, model, { kind, indices: ['docs'] });
    assert.deepEqual(r.layers, having, kind);
    assert.equal(r.compared, 'rows');
    for (const p of r.pairs) {
      const [a, b] = [fx.layers[p.layerA].extra[kind]!, fx.layers[p.layerB].extra[kind]!];
      const want = docsOracle(vectorsOf(a.data, a.rows, a.cols, true), vectorsOf(b.data, b.rows, b.cols, true));
      assert.ok(Math.abs((p.values.docs as number) - want) < 1e-4, `${kind} L${p.layerA}×L${p.layerB}: ${p.values.docs} vs ${want}`);
    }
  }
  assert.deepEqual(parseSimilaritySettings({ kind: 'kv_b' }), { kind: 'kv_b' });
  assert.throws(() => parseSimilaritySettings({ kind: 'router', expert: 1 }), /experts have no 'router'/);
});
