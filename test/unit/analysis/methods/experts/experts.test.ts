// Expert × expert similarity against an independent float64 re-computation from the matrices the
// MoE fixtures wrote (test/fixtures/moeLayouts.ts): every pair's DOCS (test/e2e/lib/docsOracle.ts)
// and linear CKA (written out below), a planted duplicate expert scoring DOCS 1, the shared expert of
// another width compared by DOCS only, and the errors of a dense model and a dense layer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { expertSimilarity } from '../../../../../src/analysis/methods/experts/experts';
import { expertsCsv, expertsTidyRows } from '../../../../../src/analysis/methods/experts/csv';
import { expertsCli, formatExperts } from '../../../../../src/analysis/methods/experts/cli';
import { parseExpertsOptions } from '../../../../../src/analysis/methods/experts/options';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ExpertRole } from '../../../../../src/analysis/model/types';
import { docs as docsOracle, vectorsOf } from '../../../../e2e/lib/docsOracle';
import { writeMoeFixture, type ExpertMats, type MoeArch } from '../../../../fixtures/moeLayouts';
import type { Mat } from '../../../../fixtures/archLayouts';
import { writeFixtureModel } from '../../../../fixtures/makeModel';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });
let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-experts-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** Linear CKA in float64 of two matrices whose columns are the compared vectors (n×m each). */
function ckaOracle(x: number[][], y: number[][]): number {
  const centre = (m: number[][]) => {
    const n = m.length,
      k = m[0].length;
    const mean = Array.from({ length: k }, (_, j) => m.reduce((s, r) => s + r[j], 0) / n);
    return m.map((r) => r.map((v, j) => v - mean[j]));
  };
  const xt = centre(x),
    yt = centre(y);
  const cross = (a: number[][], b: number[][]) => {
    let s = 0;
    for (let i = 0; i < a[0].length; i++)
      for (let j = 0; j < b[0].length; j++) {
        let d = 0;
        for (let r = 0; r < a.length; r++) d += a[r][i] * b[r][j];
        s += d * d;
      }
    return s;
  };
  return cross(xt, yt) / Math.sqrt(cross(xt, xt) * cross(yt, yt));
}

/** The compared matrix n×m as rows of numbers: neuron orientation compares rows of gate/up, columns of down. */
function oriented(m: Mat, kind: ExpertRole): number[][] {
  const rows = kind !== 'down';
  const out: number[][] = [];
  if (rows) for (let j = 0; j < m.cols; j++) out.push(Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]));
  else for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

function truthOf(experts: ExpertMats[], shared: ExpertMats | undefined, kind: ExpertRole): Mat[] {
  return [...experts.map((x) => x[kind]), ...(shared ? [shared[kind]] : [])];
}

const cases: { arch: MoeArch; layer: number; kind: ExpertRole }[] = [
  { arch: 'mixtral', layer: 1, kind: 'up' },
  { arch: 'mixtral', layer: 0, kind: 'down' },
  { arch: 'qwen2_moe', layer: 2, kind: 'gate' },
];

for (const { arch, layer, kind } of cases) {
  test(`${arch} layer ${layer} ${kind}: every pair's DOCS and CKA equal a float64 re-computation from the fixture's expert matrices`, async () => {
    const fx = await writeMoeFixture(join(root, `${arch}-${layer}-${kind}`), { arch, seed: 5 + layer });
    const model = await openModel(fx.dir);
    const t = fx.layers[layer];
    const mats = truthOf(t.experts!, t.shared, kind);
    const r = await expertSimilarity(model, { layer, kind, indices: ['docs', 'cka'] }, { engine: await cpu() });
    assert.equal(r.layer, layer);
    const E = t.experts!.length;
    assert.deepEqual(r.labels, [...Array.from({ length: E }, (_, e) => `e${e}`), ...(t.shared ? ['shared'] : [])]);
    assert.equal(r.pairs.length, (mats.length * (mats.length - 1)) / 2);
    const rows = kind !== 'down';
    for (const p of r.pairs) {
      const [a, b] = [mats[p.a], mats[p.b]];
      const want = docsOracle(vectorsOf(a.data, a.rows, a.cols, rows), vectorsOf(b.data, b.rows, b.cols, rows));
      assert.ok(Math.abs((p.values.docs as number) - want) < 1e-4, `${p.expertA}×${p.expertB} DOCS ${p.values.docs} vs ${want}`);
      if (a.rows === b.rows && a.cols === b.cols) {
        const cka = ckaOracle(oriented(a, kind), oriented(b, kind));
        assert.ok(Math.abs((p.values.cka as number) - cka) < 1e-4, `${p.expertA}×${p.expertB} CKA ${p.values.cka} vs ${cka}`);
      } else {
        // The shared expert has another width: DOCS compares its vectors, CKA cannot.
        assert.equal(p.expertB, 'shared');
        assert.equal(p.values.cka, null);
        assert.match(p.reason ?? '', /baseline indices need equal shapes/);
      }
    }
    assert.ok(r.docsChance! > 0 && r.docsChance! < 1);
    const tidy = expertsTidyRows(r);
    assert.equal(tidy.length, r.pairs.length * 2);
    assert.deepEqual(Object.keys(tidy[0]), ['layer', 'kind', 'expert_a', 'expert_b', 'metric', 'value']);
    assert.equal(expertsCsv(r).trim().split('\n').length, r.pairs.length + 1);
    assert.match(formatExperts(r, 'docs'), new RegExp(`layer ${layer} · ${kind}`));
  });
}

test('a planted duplicate expert (expert 2 = expert 0) scores DOCS 1 and CKA 1 and is the top similar pair', async () => {
  const fx = await writeMoeFixture(join(root, 'dup'), {
    arch: 'mixtral',
    mutate: (specs) => {
      const src = specs.find((s) => s.name === 'model.layers.0.block_sparse_moe.experts.0.w3.weight')!;
      const dst = specs.find((s) => s.name === 'model.layers.0.block_sparse_moe.experts.2.w3.weight')!;
      dst.values = src.values;
      return specs;
    },
  });
  const model = await openModel(fx.dir);
  const r = await expertSimilarity(model, { kind: 'up', indices: ['docs', 'cka', 'pearson', 'procrustes'] }, { engine: await cpu() });
  assert.equal(r.layer, 0, 'the first mixture-of-experts layer by default');
  const dup = r.pairs.find((p) => p.expertA === 'e0' && p.expertB === 'e2')!;
  assert.ok(Math.abs((dup.values.docs as number) - 1) < 1e-6, `DOCS ${dup.values.docs}`);
  for (const i of ['cka', 'pearson', 'procrustes'] as const) assert.ok(Math.abs((dup.values[i] as number) - 1) < 1e-4, `${i} ${dup.values[i]}`);
  for (const p of r.pairs.filter((q) => q !== dup)) assert.ok((p.values.docs as number) < 0.9, `${p.expertA}×${p.expertB} ${p.values.docs}`);
  assert.deepEqual(r.clusters.similarPairs[0] && [r.clusters.similarPairs[0].a, r.clusters.similarPairs[0].b], [0, 2]);
});

test('a dense model gets a plain "no mixture-of-experts layer" error; a dense layer of an MoE model names the MoE layers', async () => {
  const dense = join(root, 'dense');
  await writeFixtureModel(dense, { arch: 'llama', layers: 2, hidden: 16, heads: 2, kvHeads: 2, intermediate: 24, seed: 3 });
  await assert.rejects(expertSimilarity(await openModel(dense), {}, { engine: await cpu() }), /no mixture-of-experts layer/);
  const fx = await writeMoeFixture(join(root, 'dsv2'), { arch: 'deepseek_v2' });
  const model = await openModel(fx.dir);
  const moe = model.layers.filter((l) => l.moe).map((l) => l.index);
  const denseLayer = model.layers.find((l) => !l.moe)?.index;
  if (denseLayer !== undefined) {
    await assert.rejects(
      expertSimilarity(model, { layer: denseLayer }, { engine: await cpu() }),
      new RegExp(`not a mixture-of-experts layer; mixture-of-experts layers: ${moe.join(', ')}`),
    );
  }
  await assert.rejects(expertSimilarity(model, { layer: 99 }, { engine: await cpu() }), /does not exist/);
});

test('options: the one validator and the command line', () => {
  assert.deepEqual(parseExpertsOptions({ layer: 2, kind: 'down', indices: ['docs', 'docs', 'cka'], orientation: 'rows' }), {
    layer: 2,
    kind: 'down',
    orientation: 'rows',
    indices: ['docs', 'cka'],
  });
  assert.throws(() => parseExpertsOptions({ kind: 'q' }), /experts option 'kind' must be one of gate, up, down/);
  assert.throws(() => parseExpertsOptions({ layer: -1 }), /experts option 'layer'/);
  assert.throws(() => parseExpertsOptions({ indices: [] }), /experts option 'indices'/);
  assert.deepEqual(parseExpertsOptions(expertsCli.toOptions({ layer: '3', kind: 'up', index: 'docs,cka' })[0]), {
    layer: 3,
    kind: 'up',
    indices: ['docs', 'cka'],
  });
  assert.throws(() => expertsCli.toOptions({ kind: 'o' }), /--kind/);
  assert.throws(() => expertsCli.toOptions({ layer: 'x' }), /--layer/);
  for (const [name, o] of Object.entries(expertsCli.options)) assert.ok(o.help, name);
});
