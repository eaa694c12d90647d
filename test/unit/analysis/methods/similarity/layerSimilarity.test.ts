import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { CancelledError } from '../../../../../src/analysis/jobs';
import { docsSimilarity, orientForDocs } from '../../../../../src/analysis/methods/similarity/docs';
import { layerSimilarity, type PairResult, type SimilarityPlan } from '../../../../../src/analysis/methods/similarity/layerSimilarity';
import { compareMatrices, DEFAULT_INDICES, SIMILARITY_INDICES } from '../../../../../src/analysis/methods/similarity/indices';
import { clearSimilarityMemoryCache } from '../../../../../src/analysis/methods/similarity/cache';
import { similarityCsv } from '../../../../../src/analysis/methods/similarity/csv';
import { clearUnfinishedSimilarityRuns, runSimilarityJob, type SimilarityPartial } from '../../../../../src/analysis/methods/similarity/job';
import { parseSimilaritySettings } from '../../../../../src/analysis/methods/similarity/options';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readRoleMatrix } from '../../../../../src/analysis/model/readRole';
import { MATRIX_ROLES, type ModelHandle } from '../../../../../src/analysis/model/types';
import { formatSimilarity } from '../../../../../src/analysis/methods/similarity/cli';
import { writeFixtureModel } from '../../../../fixtures/makeModel';
import { writeSafetensors } from '../../../../fixtures/safetensorsWriter';
import { randomMatrix } from '../../engine/random';
import { REPO_ROOT } from '../../../../paths';

const repoRoot = REPO_ROOT;
const stories = path.resolve(repoRoot, 'test', 'fixtures', 'models', 'stories260K');
const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

let dir: string;
let families: ModelHandle;

/** Layers 0–2 and 3–5 are two families: each role is its family's base plus 5% noise. */
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layer-lens-similarity-'));
  await writeFixtureModel(path.join(dir, 'families'), {
    arch: 'llama',
    layers: 6,
    hidden: 32,
    heads: 4,
    kvHeads: 2,
    intermediate: 48,
    seed: 7,
    matrices: (layer, role, [rows, cols]) => {
      const family = layer < 3 ? 0 : 1;
      const base = randomMatrix(rows, cols, 1000 + 10 * MATRIX_ROLES.indexOf(role) + family).data;
      const noise = randomMatrix(rows, cols, 5000 + 100 * layer + MATRIX_ROLES.indexOf(role)).data;
      return base.map((v, i) => v + 0.05 * noise[i]);
    },
  });
  families = await openModel(path.join(dir, 'families'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const key = (p: PairResult) => `${p.layerA},${p.layerB}`;

test('two families of layers: DOCS finds clusters [0–2] and [3–5] for every matrix kind', async () => {
  const engine = await cpu();
  for (const kind of MATRIX_ROLES) {
    const r = await layerSimilarity(engine, families, { kind, indices: ['docs'] });
    assert.equal(r.pairs.length, 15);
    assert.deepEqual(
      r.clusters.clusters.map((c) => [c.first, c.last]),
      [
        [0, 2],
        [3, 5],
      ],
      `${kind}: ${JSON.stringify(r.clusters)}`,
    );
    for (const p of r.pairs) {
      const same = p.layerA < 3 === p.layerB < 3;
      const v = p.values.docs as number;
      assert.ok(same ? v > 0.95 : v < 1.2 * (r.docsChance as number), `${kind} ${key(p)}: ${v} (chance ${r.docsChance})`);
    }
  }
});

test('every pair equals DOCS and the baselines computed directly on the two layers (neuron orientation)', async () => {
  const engine = await cpu();
  const r = await layerSimilarity(engine, families, { kind: 'up' });
  assert.deepEqual(r.indices, [...DEFAULT_INDICES]);
  assert.equal(r.compared, 'rows');
  assert.deepEqual(r.shapes[0], [32, 48]);
  for (const p of r.pairs.filter((q) => [1, 3, 5].includes(q.b - q.a))) {
    const x = orientForDocs(await readRoleMatrix(families, p.layerA, 'up'), 'rows');
    const y = orientForDocs(await readRoleMatrix(families, p.layerB, 'up'), 'rows');
    const d = await docsSimilarity(engine, x, y);
    assert.ok(Math.abs((p.values.docs as number) - d.docs) < 1e-6, `${key(p)} DOCS`);
    assert.ok(Math.abs((p.docs as NonNullable<PairResult['docs']>).rows.loc - d.fitX.loc) < 1e-6);
    const counts = (p.docs as NonNullable<PairResult['docs']>).cols.histogram.counts;
    assert.equal(
      counts.reduce((s, c) => s + c, 0),
      48,
      'one max per compared column',
    );
    const base = await compareMatrices(
      engine,
      x,
      y,
      DEFAULT_INDICES.filter((i) => i !== 'docs'),
    );
    for (const [k, v] of Object.entries(base)) assert.ok(Math.abs((p.values[k as keyof typeof base] as number) - v) < 1e-6, `${key(p)} ${k}`);
    assert.equal(p.complete, true);
  }
});

test('pairs stream as they finish, plan first, heavy indices in a second pass; progress reaches the total', async () => {
  const engine = await cpu();
  const plans: SimilarityPlan[] = [];
  const seen: { key: string; complete: boolean }[] = [];
  let last = { done: 0, total: -1 };
  await layerSimilarity(engine, families, {
    kind: 'gate',
    pairs: 'adjacent',
    onPlan: (p) => plans.push(p),
    onPair: (p) => seen.push({ key: key(p), complete: p.complete }),
    onProgress: (p) => {
      last = p;
    },
  });
  assert.equal(plans.length, 1);
  assert.deepEqual(plans[0].layers, [0, 1, 2, 3, 4, 5]);
  assert.equal(plans[0].pairs, 5);
  assert.deepEqual(
    seen.map((s) => s.key),
    ['0,1', '1,2', '2,3', '3,4', '4,5', '0,1', '1,2', '2,3', '3,4', '4,5'],
  );
  assert.deepEqual(
    seen.map((s) => s.complete),
    [false, false, false, false, false, true, true, true, true, true],
  );
  assert.equal(last.done, 10);
  assert.equal(last.total, 10);
});

test('adjacent pairs and a picked subset of layers', async () => {
  const engine = await cpu();
  const adj = await layerSimilarity(engine, families, { kind: 'down', pairs: 'adjacent', indices: ['docs', 'cka'] });
  assert.deepEqual(adj.pairs.map(key), ['0,1', '1,2', '2,3', '3,4', '4,5']);
  assert.deepEqual(
    adj.clusters.clusters.map((c) => [c.first, c.last]),
    [
      [0, 2],
      [3, 5],
    ],
  );
  const sub = await layerSimilarity(engine, families, { kind: 'q', layers: [0, 1, 5], indices: ['docs'] });
  assert.deepEqual(sub.layers, [0, 1, 5]);
  assert.deepEqual(sub.pairs.map(key).sort(), ['0,1', '0,5', '1,5']);
  assert.deepEqual(
    sub.clusters.clusters.map((c) => [c.first, c.last]),
    [[0, 1]],
  );
});

test('a small memory budget visits pairs tile by tile and gets the same values', async () => {
  const engine = await cpu();
  const whole = await layerSimilarity(engine, families, { kind: 'v', indices: ['docs', 'pearson', 'svcca'] });
  const perLayer = 4 * 32 * 16 * 3; // normalised copy + raw + spectral basis of a 32×16 matrix
  const tiled = await layerSimilarity(engine, families, {
    kind: 'v',
    indices: ['docs', 'pearson', 'svcca'],
    cacheBudgetBytes: 2 * perLayer,
  });
  assert.equal(whole.layerReads, 6);
  assert.ok(tiled.layerReads > 6, `reads ${tiled.layerReads}`);
  const byKey = new Map(whole.pairs.map((p) => [key(p), p.values]));
  for (const p of tiled.pairs) assert.deepEqual(p.values, byKey.get(key(p)), key(p));
});

test('layers whose matrices differ in shape are reported as not comparable, not truncated', async () => {
  const engine = await cpu();
  const file = path.join(dir, 'mixed.safetensors');
  const t = (layer: number, rows: number) => ({
    name: `model.layers.${layer}.mlp.up_proj.weight`,
    dtype: 'F32' as const,
    shape: [rows, 16],
    values: randomMatrix(rows, 16, layer).data,
  });
  await writeSafetensors(file, [t(0, 24), t(1, 24), t(2, 20)]);
  const r = await layerSimilarity(engine, await openModel(file), { kind: 'up', indices: ['docs', 'cka'] });
  const byKey = new Map(r.pairs.map((p) => [key(p), p]));
  assert.equal(byKey.get('0,1')?.comparable, true);
  for (const k of ['0,2', '1,2']) {
    const p = byKey.get(k) as PairResult;
    assert.equal(p.comparable, false);
    assert.match(p.reason as string, /layer [01] up is 16×24 but layer 2 up is 16×20/);
    assert.deepEqual(p.values, {});
  }
  assert.match(formatSimilarity(r, 'docs'), /n\/c/);
  assert.match(similarityCsv(r), /,false,,,,,,,"?layer 0 up is 16×24/);
});

test('clear errors for a missing kind, a layer without it, and too few layers; cancellation stops the job', async () => {
  const engine = await cpu();
  const file = path.join(dir, 'uponly.safetensors');
  await writeSafetensors(
    file,
    [0, 1].map((l) => ({
      name: `model.layers.${l}.mlp.up_proj.weight`,
      dtype: 'F32' as const,
      shape: [8, 4],
      values: randomMatrix(8, 4, l).data,
    })),
  );
  const upOnly = await openModel(file);
  await assert.rejects(layerSimilarity(engine, upOnly, { kind: 'q' }), /no 'q' matrices/);
  await assert.rejects(layerSimilarity(engine, families, { kind: 'up', layers: [0, 9] }), /Layer 9 has no 'up' matrix; layers with one: 0, 1, 2, 3, 4, 5/);
  await assert.rejects(layerSimilarity(engine, families, { kind: 'up', layers: [2] }), /at least two layers/);
  assert.throws(() => parseSimilaritySettings({ kind: 'mlp' }), /'kind' must be one of q, k, v, o, gate, up, down, router, q_a, q_b, kv_a, kv_b/);
  assert.throws(() => parseSimilaritySettings({ kind: 'up', indices: ['docs', 'cca2'] }), /'indices' must be a non-empty list/);
  const ac = new AbortController();
  const job = layerSimilarity(engine, families, { kind: 'up', signal: ac.signal, onPair: () => ac.abort() });
  await assert.rejects(job, (e) => e instanceof CancelledError);
});

test('results are cached by file identity and settings, in memory and on disk, and a rewritten file is recomputed', async () => {
  const engine = await cpu();
  const cacheDir = path.join(dir, 'cache');
  clearSimilarityMemoryCache();
  const partials: SimilarityPartial[] = [];
  const settings = parseSimilaritySettings({ kind: 'o', indices: ['docs', 'pearson'] });
  const first = await runSimilarityJob(engine, families, settings, { cacheDir, onPartial: (p) => partials.push(p) });
  assert.equal(first.cached, false);
  assert.equal(partials[0].type, 'plan');
  assert.equal(partials.filter((p) => p.type === 'pair').length, 15);
  const again = await runSimilarityJob(engine, families, settings, { cacheDir });
  assert.equal(again.cached, 'memory');
  clearSimilarityMemoryCache();
  const fromDisk = await runSimilarityJob(engine, families, settings, { cacheDir });
  assert.equal(fromDisk.cached, 'disk');
  assert.deepEqual(fromDisk.pairs, first.pairs);
  const other = await runSimilarityJob(engine, families, { ...settings, pairs: 'adjacent' }, { cacheDir });
  assert.equal(other.cached, false, 'other settings, other entry');
  const later = new Date(Date.now() + 5000);
  await utimes(families.files[0], later, later);
  // The worker re-opens a model whose files changed (ModelCache); the old handle refuses to read.
  await assert.rejects(runSimilarityJob(engine, families, settings, { cacheDir }), /was rewritten since it was opened/);
  families = await openModel(path.join(dir, 'families'));
  const touched = await runSimilarityJob(engine, families, settings, { cacheDir });
  assert.equal(touched.cached, false, 'a file with a new mtime is not served from the cache');
});

test('stories260K: the full analysis (every index, all pairs) runs for all 7 matrix kinds', async () => {
  const engine = await cpu();
  const model = await openModel(stories);
  for (const kind of MATRIX_ROLES) {
    const r = await layerSimilarity(engine, model, { kind, indices: [...SIMILARITY_INDICES] });
    assert.equal(r.layers.length, 5, kind);
    assert.equal(r.pairs.length, 10, kind);
    for (const p of r.pairs) {
      assert.ok(p.comparable && p.complete, `${kind} ${key(p)}`);
      for (const i of SIMILARITY_INDICES) {
        const v = p.values[i] as number;
        // HSIC is unnormalised (≥ 0); every other index lies in [−1, 1].
        assert.ok(Number.isFinite(v) && v >= -1 && (i === 'hsic' || v <= 1 + 1e-9), `${kind} ${key(p)} ${i} = ${v}`);
      }
      assert.equal(p.details?.linreg?.length, 2);
      assert.equal(p.details?.pwcca?.length, 2);
      assert.ok((p.details?.ccaMeanRho as number) >= (p.values.cca as number) - 1e-9, 'mean ρ ≥ mean ρ²');
    }
    assert.equal(r.engine.provider, 'cpu');
    assert.ok((r.docsChance as number) > 0.1 && (r.docsChance as number) < 0.6);
  }
});

test('a cancelled run keeps its finished pairs: the re-run reports them at once, computes only the rest, and equals a fresh run', async () => {
  const engine = await cpu();
  clearSimilarityMemoryCache();
  clearUnfinishedSimilarityRuns();
  const settings = parseSimilaritySettings({ kind: 'up', indices: ['docs', 'pearson', 'svcca'] });
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(
    runSimilarityJob(engine, families, settings, {
      signal: ac.signal,
      onPartial: (p) => {
        if (p.type === 'pair' && p.pair.complete && ++seen === 4) ac.abort();
      },
    }),
    (e) => e instanceof CancelledError,
  );
  const progress: string[] = [];
  const partials: SimilarityPartial[] = [];
  const resumed = await runSimilarityJob(engine, families, settings, {
    onPartial: (p) => partials.push(p),
    onProgress: (p) => progress.push(p.message ?? ''),
  });
  assert.equal(resumed.cached, false);
  assert.equal(resumed.resumedPairs, 4);
  assert.equal(progress.filter((m) => m.includes('from the cancelled run')).length, 4);
  // The kept pairs come first, complete, before anything is computed.
  const firstPairs = partials.filter((p) => p.type === 'pair').slice(0, 4);
  assert.ok(firstPairs.every((p) => p.type === 'pair' && p.pair.complete));
  clearSimilarityMemoryCache();
  const fresh = await runSimilarityJob(engine, families, settings, { force: true });
  assert.equal(fresh.resumedPairs, undefined);
  assert.equal(resumed.pairs.length, 15);
  assert.deepEqual(
    resumed.pairs.map((p) => p.values),
    fresh.pairs.map((p) => p.values),
  );
  assert.deepEqual(resumed.clusters, fresh.clusters);
});

test("the DOCS precision option reaches every pair: each records the path its maxima came from, and 'fast' stays within its reported bound of exact", async () => {
  const engine = await cpu();
  const exact = await layerSimilarity(engine, families, { kind: 'up', indices: ['docs'] });
  const fast = await layerSimilarity(engine, families, { kind: 'up', indices: ['docs'], docsPrecision: 'fast' });
  for (const [i, p] of exact.pairs.entries()) {
    assert.ok(p.docsPath === 'float32' || p.docsPath === 'int8-refined', `${key(p)}: ${p.docsPath}`);
    const f = fast.pairs[i];
    assert.ok(f.docsPath === 'float32' || f.docsPath === 'int8-fast', `${key(f)}: ${f.docsPath}`);
    // Small layers run float32 even in fast mode (the integer path pays off only on larger pairs).
    const slack = f.docsPath === 'int8-fast' ? (f.docsErrorBound as { max: number }).max : 1e-9;
    assert.ok(Math.abs((f.values.docs as number) - (p.values.docs as number)) <= slack + 1e-9, key(p));
  }
});

test('fast DOCS on the integer path caches only int8 copies: the same values, fewer layer reads', async () => {
  const engine = await cpu();
  const saved = process.env.LAYER_LENS_DOCS_PATH;
  process.env.LAYER_LENS_DOCS_PATH = 'int8';
  try {
    // Room for six int8 copies of a 48×32 up matrix (2 bytes a weight and 52 per vector) but only two float32 layers.
    const cacheBudgetBytes = 6 * (2 * 48 * 32 + 52 * 48);
    const base = { kind: 'up' as const, docsPrecision: 'fast' as const, pairs: 'all' as const, cacheBudgetBytes };
    const int8Only = await layerSimilarity(engine, families, { ...base, indices: ['docs'] });
    const withFloat32 = await layerSimilarity(engine, families, { ...base, indices: ['docs', 'cka'] });
    assert.equal(int8Only.pairs.length, 15);
    // The pairs come in another order when fewer layers fit (planPairs): match them by layers.
    const other = new Map(withFloat32.pairs.map((q) => [`${q.layerA}×${q.layerB}`, q]));
    for (const p of int8Only.pairs) {
      const q = other.get(`${p.layerA}×${p.layerB}`)!;
      assert.equal(p.docsPath, 'int8-fast');
      assert.equal(q.docsPath, 'int8-fast');
      assert.equal(p.values.docs, q.values.docs, `pair ${p.layerA}×${p.layerB}`);
      assert.deepEqual(p.docsErrorBound, q.docsErrorBound);
    }
    assert.equal(int8Only.layerReads, 6, 'every layer read once');
    assert.ok(withFloat32.layerReads > 6, `float32 layers re-read: ${withFloat32.layerReads}`);
  } finally {
    if (saved === undefined) delete process.env.LAYER_LENS_DOCS_PATH;
    else process.env.LAYER_LENS_DOCS_PATH = saved;
  }
});
