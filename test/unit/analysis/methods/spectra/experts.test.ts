// Spectra of mixture-of-experts models: every routed expert's, the shared expert's, the
// router's and the MLA factors' spectra on a Mixtral-shaped and a DeepSeek-V3-shaped fixture
// (test/fixtures/moeLayouts.ts) equal the single-matrix spectrum function applied to the matrix the
// fixture wrote; the layer × expert table holds the right cells, checked against a plain float64
// re-computation (‖W‖_F² and the power-iterated ‖W‖₂²) from the fixture's source matrices.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readMatrixKind } from '../../../../../src/analysis/model/readRole';
import type { ExpertSelector, ModelHandle } from '../../../../../src/analysis/model/types';
import { clearSpectraMemoryCache, runSpectra, type MatrixSpectra, type SpectraResult } from '../../../../../src/analysis/methods/spectra/spectra';
import { analyzeSpectrum } from '../../../../../src/analysis/methods/spectra/spectrum';
import { expertTable } from '../../../../../src/analysis/methods/spectra/expertTable';
import { parseSpectraOptions } from '../../../../../src/analysis/methods/spectra/options';
import { spectraCsv, spectraTidyRows, SPECTRA_CSV_COLUMNS, SPECTRA_TIDY_COLUMNS } from '../../../../../src/analysis/methods/spectra/csv';
import { formatSpectra, spectraCli } from '../../../../../src/analysis/methods/spectra/cli';
import { writeMoeFixture, MOE_DIMS, type LayerTruth, type MoeFixture } from '../../../../fixtures/moeLayouts';
import type { Mat } from '../../../../fixtures/archLayouts';

let root = '';
let mixtral: { fx: MoeFixture; model: ModelHandle };
let deepseek: { fx: MoeFixture; model: ModelHandle };
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-spectra-moe-'));
  clearSpectraMemoryCache();
  const fxM = await writeMoeFixture(join(root, 'mixtral'), { arch: 'mixtral' });
  const fxD = await writeMoeFixture(join(root, 'deepseek_v3'), { arch: 'deepseek_v3' });
  mixtral = { fx: fxM, model: await openModel(fxM.dir) };
  deepseek = { fx: fxD, model: await openModel(fxD.dir) };
});
after(() => rm(root, { recursive: true, force: true }));

/** The source matrix of an entry, from the fixture's truth. */
function truthOf(t: LayerTruth, kind: string, expert?: ExpertSelector): Mat {
  const m =
    expert === undefined
      ? ((t.roles as Record<string, Mat>)[kind] ?? (t.extra as Record<string, Mat>)[kind])
      : (expert === 'shared' ? t.shared : t.experts?.[expert])?.[kind as 'gate' | 'up' | 'down'];
  assert.ok(m, `the fixture wrote no ${kind} ${String(expert)}`);
  return m;
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const i = x.findIndex((v, k) => v !== y[k]);
  assert.equal(i, -1, `${what}: entry ${i} differs`);
}

/** ‖W‖_F² and ‖W‖₂² in plain float64 (power iteration on WᵀW), the stable rank's parts. */
function normsF64(m: Mat): { frob2: number; spec2: number } {
  const { rows, cols, data } = m;
  let frob2 = 0;
  for (const v of data) frob2 += v * v;
  let x = new Float64Array(cols).map((_, j) => 1 + j / cols);
  let lambda = 0;
  for (let it = 0; it < 5000; it++) {
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[i] += data[i * cols + j] * x[j];
    const z = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) z[j] += data[i * cols + j] * y[i];
    const n = Math.hypot(...z);
    const next = n / Math.hypot(...x);
    x = z.map((v) => v / n);
    if (Math.abs(next - lambda) <= 1e-15 * next) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  return { frob2, spec2: lambda };
}

/** Every entry's spectrum equals analyzeSpectrum of the fixture's matrix, read back bit for bit. */
async function checkEntries(r: SpectraResult, fx: MoeFixture, model: ModelHandle): Promise<void> {
  for (const e of r.entries) {
    const what = `layer ${e.layer} ${e.kind}${e.expert === undefined ? '' : ` expert ${e.expert}`}`;
    const truth = truthOf(fx.layers[e.layer]!, e.kind, e.expert);
    const read = await readMatrixKind(model, e.layer, e.kind, e.expert);
    sameBits(read.data, truth.data, `${what}: readMatrixKind vs the fixture's source`);
    assert.deepEqual(e.shape, [truth.rows, truth.cols], what);
    const want = await analyzeSpectrum(
      { rows: truth.rows, cols: truth.cols, data: truth.data },
      { vectorSide: r.options.vectorSide, seed: r.options.seed, alphaFit: r.options.alphaFit, randDistance: r.options.randDistance },
    );
    assert.deepEqual(JSON.parse(JSON.stringify(e.spectrum)), JSON.parse(JSON.stringify(want)), `${what}: spectrum`);
  }
}

test("Mixtral: every expert of gate/up/down and every router equals the single-matrix spectrum of the fixture's matrix; the layer × expert table holds each cell", async () => {
  const { fx, model } = mixtral;
  const r = await runSpectra(model, { kinds: ['q', 'up', 'down', 'router'], experts: 'all', heads: false }, {});
  const E = MOE_DIMS.experts;
  // Every layer is MoE: q and router once per layer, up and down once per expert (no shared expert).
  assert.equal(r.entries.length, 3 * (2 + 2 * E));
  assert.deepEqual(r.kinds, ['q', 'up', 'down', 'router']);
  assert.deepEqual(r.expertGrid, { layers: [0, 1, 2], experts: [0, 1, 2, 3], kinds: ['up', 'down'] });
  assert.equal(r.notes, undefined);
  assert.deepEqual(
    r.entries.filter((e) => e.layer === 1).map((e) => `${e.kind}${e.expert ?? ''}`),
    ['q', 'up0', 'up1', 'up2', 'up3', 'down0', 'down1', 'down2', 'down3', 'router'],
  );
  const router = r.entries.find((e) => e.kind === 'router')!;
  assert.deepEqual(router.shape, [E, MOE_DIMS.hidden]);
  assert.equal(r.randomnessByDepth.router?.length, 3);
  await checkEntries(r, fx, model);
  // The table: stable rank = ‖W‖_F² / ‖W‖₂² and log_norm = log10 ‖W‖_F², both in float64 from the source.
  for (const kind of ['up', 'down'] as const) {
    const sr = expertTable(r.entries, r.expertGrid!, kind, (e) => e.spectrum.metrics.stableRank);
    const ln = expertTable(r.entries, r.expertGrid!, kind, (e) => e.spectrum.metrics.logNorm);
    assert.deepEqual(sr.layers, [0, 1, 2]);
    for (let i = 0; i < 3; i++)
      for (let e = 0; e < E; e++) {
        const { frob2, spec2 } = normsF64(fx.layers[i]!.experts![e]![kind]);
        const got = sr.values[i]![e]!;
        assert.ok(Math.abs(got - frob2 / spec2) <= 1e-9 * (frob2 / spec2), `L${i} ${kind} e${e}: stable rank ${got} vs ${frob2 / spec2}`);
        assert.ok(Math.abs(ln.values[i]![e]! - Math.log10(frob2)) <= 1e-12, `L${i} ${kind} e${e}: log_norm`);
      }
  }
  // Planted: an expert's cell is that expert's matrix, not a neighbour's (the source matrices all differ).
  const s = expertTable(r.entries, r.expertGrid!, 'up', (e) => e.spectrum.metrics.logSpectralNorm).values[2]!;
  assert.equal(new Set(s).size, E);
  // CSV: the expert column, wide and tidy.
  const wide = spectraCsv(r).trim().split('\n');
  assert.deepEqual(wide[0]!.split(',').slice(0, 4), ['layer', 'kind', 'expert', 'head']);
  assert.ok(wide.every((l) => l.split(',').length >= SPECTRA_CSV_COLUMNS.length)); // alpha_note may quote commas
  assert.ok(wide.some((l) => l.startsWith('2,up,e3,,')));
  assert.ok(wide.some((l) => l.startsWith('2,router,,,')));
  assert.deepEqual([...SPECTRA_TIDY_COLUMNS], ['layer', 'kind', 'expert', 'head', 'metric', 'value']);
  const tidy = spectraTidyRows(r);
  const up3 = r.entries.find((e) => e.layer === 2 && e.kind === 'up' && e.expert === 3)!;
  assert.equal(tidy.find((t) => t.layer === 2 && t.kind === 'up' && t.expert === 'e3' && t.metric === 'stable_rank')?.value, up3.spectrum.metrics.stableRank);
  assert.equal(tidy.find((t) => t.layer === 2 && t.kind === 'router' && t.metric === 'stable_rank')?.expert, '');
  // The CLI's table: labels and the layer × expert α block.
  const text = formatSpectra(r, false);
  assert.match(text, /^L2 up e3 /m);
  assert.match(text, /α of each expert's up over depth/);
  assert.match(text, /^ {2}layer {5}e0 {5}e1 {5}e2 {5}e3$/m);
});

test('Mixtral without an expert choice: the experts are left out and the result says so; one expert index picks that expert only', async () => {
  const { model } = mixtral;
  const none = await runSpectra(model, { kinds: ['up', 'router'], heads: false }, {});
  assert.deepEqual(
    none.entries.map((e) => `${e.layer}${e.kind}`),
    ['0router', '1router', '2router'],
  );
  assert.equal(none.expertGrid, undefined);
  assert.match(none.notes?.[0] ?? '', /3 mixture-of-experts layers \(0, 1, 2\): their up are experts, left out unless experts are chosen/);
  assert.match(formatSpectra(none, false), /Note: 3 mixture-of-experts layers/);
  const one = await runSpectra(model, { kinds: ['gate'], experts: [2], heads: false }, {});
  assert.deepEqual(
    one.entries.map((e) => [e.layer, e.kind, e.expert]),
    [
      [0, 'gate', 2],
      [1, 'gate', 2],
      [2, 'gate', 2],
    ],
  );
  await assert.rejects(runSpectra(model, { kinds: ['gate'], experts: [9] }, {}), /expert 9 does not exist: the mixture-of-experts layers have experts 0…3/);
  // Default kinds: the seven and the router the layers hold.
  const all = await runSpectra(model, { layers: [0], heads: false }, {});
  assert.deepEqual(all.kinds, ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'router']);
  assert.deepEqual([...new Set(all.entries.map((e) => e.kind))], ['q', 'k', 'v', 'o', 'router']);
});

test('DeepSeek-V3: the dense first layer keeps its MLP, the MoE layers give the shared expert and the chosen experts; router and MLA factors equal the single-matrix spectra', async () => {
  const { fx, model } = deepseek;
  const r = await runSpectra(model, { kinds: ['down', 'router', 'q_a', 'q_b', 'kv_a', 'kv_b'], experts: [1, 3], heads: false }, {});
  const dense = r.entries.filter((e) => e.kind === 'down' && e.expert === undefined);
  assert.deepEqual(
    dense.map((e) => e.layer),
    [0],
  );
  assert.deepEqual(r.expertGrid, { layers: [1, 2], experts: [1, 3], kinds: ['down'] });
  assert.deepEqual(
    r.entries.filter((e) => e.layer === 2).map((e) => `${e.kind}${e.expert ?? ''}`),
    ['down1', 'down3', 'router', 'q_a', 'q_b', 'kv_a', 'kv_b'],
  );
  assert.ok(!r.entries.some((e) => e.layer === 0 && e.kind === 'router'), 'the dense layer has no router');
  await checkEntries(r, fx, model);
  const shared = await runSpectra(model, { kinds: ['gate', 'up', 'down'], experts: 'shared', heads: false }, {});
  assert.deepEqual(shared.expertGrid, { layers: [1, 2], experts: ['shared'], kinds: ['gate', 'up', 'down'] });
  assert.deepEqual(
    shared.entries.filter((e) => e.expert === 'shared').map((e) => [e.layer, e.kind, e.shape]),
    [1, 2].flatMap((l) => (['gate', 'up', 'down'] as const).map((k) => [l, k, k === 'down' ? [16, 24] : [24, 16]])),
  );
  await checkEntries(shared, fx, model);
  const all = await runSpectra(model, { kinds: ['up'], experts: 'all', heads: false }, {});
  assert.deepEqual(all.expertGrid?.experts, [0, 1, 2, 3, 'shared']);
  const t = expertTable(all.entries, all.expertGrid!, 'up', (e: MatrixSpectra) => e.spectrum.metrics.stableRank);
  for (const [i, layer] of [1, 2].entries())
    for (const [j, x] of t.experts.entries()) {
      const { frob2, spec2 } = normsF64(truthOf(fx.layers[layer]!, 'up', x));
      assert.ok(Math.abs(t.values[i]![j]! - frob2 / spec2) <= 1e-9 * (frob2 / spec2), `L${layer} up ${String(x)}`);
    }
  assert.match(spectraCsv(all), /^2,up,shared,,24,16,/m);
});

test('options: experts and the extra kinds are validated; the CLI maps --expert and --kind router', () => {
  assert.deepEqual(parseSpectraOptions({ kinds: ['router', 'q_a'], experts: 'all' }), { kinds: ['router', 'q_a'], experts: 'all' });
  assert.deepEqual(parseSpectraOptions({ experts: [3, 1] }), { experts: [3, 1] });
  assert.throws(
    () => parseSpectraOptions({ kinds: ['bogus'] }),
    /'kinds' must be a non-empty list of q, k, v, o, gate, up, down, router, q_a, q_b, kv_a, kv_b/,
  );
  for (const bad of ['some', [], [-1], [1.5], 3]) assert.throws(() => parseSpectraOptions({ experts: bad }), /'experts' must be 'none', 'all', 'shared'/);
  const [o] = spectraCli.toOptions({ kind: 'router,up', expert: '0,2-3' }) as [Record<string, unknown>];
  assert.deepEqual(
    [o.kinds, o.experts],
    [
      ['router', 'up'],
      [0, 2, 3],
    ],
  );
  const [s] = spectraCli.toOptions({ expert: 'shared' }) as [Record<string, unknown>];
  assert.equal(s.experts, 'shared');
  assert.throws(() => spectraCli.toOptions({ expert: 'some' }), /--expert must be an expert index, a list like 0,2,5-7, shared or all/);
  assert.throws(() => spectraCli.toOptions({ kind: 'mlp' }), /--kind: 'mlp' is not one of q, k, v, o, gate, up, down, router/);
});
