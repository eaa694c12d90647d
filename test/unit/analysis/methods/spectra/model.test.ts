// The whole-model spectra job on real files: the trained stories260K model against scipy (head
// slices, per-layer randomness) and against a random-init model of the same shape, plus streaming,
// cancellation, the cache, option validation and the CLI's text and CSV output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancelledError } from '../../../../../src/analysis/jobs';
import { runSpectra, type MatrixSpectra, type SpectraResult } from '../../../../../src/analysis/methods/spectra/spectra';
import { parseSpectraOptions } from '../../../../../src/analysis/methods/spectra/options';
import { spectraCsv, SPECTRA_CSV_COLUMNS } from '../../../../../src/analysis/methods/spectra/csv';
import { clearSpectraMemoryCache } from '../../../../../src/analysis/methods/spectra/spectra';
import { formatSpectra } from '../../../../../src/analysis/methods/spectra/cli';
import { parseKindList, parseLayerList } from '../../../../../src/analysis/methods/common/cliArgs';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { writeFixtureModel } from '../../../../fixtures/makeModel';
import { oracle, assertClose } from '../../stats/oracle';
import { fitPowerLaw } from '../../../../../src/analysis/stats/powerLaw';
import { wwOracle } from './wwOracle';
import { REPO_ROOT } from '../../../../paths';

const stories = path.resolve(REPO_ROOT, 'test/fixtures/models/stories260K');
const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const spikes = (r: SpectraResult) => r.entries.reduce((a, e) => a + (e.spectrum.mp?.spikes ?? 0), 0);

describe('spectra of whole models', () => {
  let dir: string;
  let trained: ModelHandle;
  let random: ModelHandle;
  let trainedResult: SpectraResult;
  let randomResult: SpectraResult;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'layer-lens-spectra-'));
    // A random-init model with stories260K's exact shape (5 layers, hidden 64, 8 heads, 4 kv heads, ff 172).
    await writeFixtureModel(dir, { arch: 'llama', layers: 5, hidden: 64, heads: 8, kvHeads: 4, intermediate: 172, vocab: 512, seed: 3 });
    trained = await openModel(stories);
    random = await openModel(dir);
    clearSpectraMemoryCache();
    trainedResult = await runSpectra(trained);
    randomResult = await runSpectra(random);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('stories260K head slices and per-layer randomness equal scipy on the same heads', () => {
    for (const h of oracle.stories260K.heads) {
      const entry = trainedResult.entries.find((e) => e.layer === h.layer && e.kind === h.kind) as MatrixSpectra;
      const head = entry.heads?.find((x) => x.head === h.head);
      assert.ok(head, `layer ${h.layer} ${h.kind} head ${h.head}`);
      assert.deepEqual([head.spectrum.rows, head.spectrum.cols], h.shape);
      h.singularValues.forEach((v, i) => assertClose(head.spectrum.singularValues![i], v, 1e-9, 1e-12, `L${h.layer} ${h.kind} h${h.head} σ${i}`));
      h.rightKsP.forEach((p, i) => assertClose(head.spectrum.vectors!.p![i], p, 1e-7, 1e-12, `L${h.layer} ${h.kind} h${h.head} vector ${i} p`));
    }
    for (const kind of ['q', 'k', 'v', 'o'] as const) {
      oracle.stories260K.randomnessByDepth[kind].forEach((p, layer) =>
        assertClose(trainedResult.randomnessByDepth[kind]![layer] as number, p, 1e-7, 0, `${kind} layer ${layer} mean p`),
      );
    }
    assert.equal(trainedResult.entries.length, 35);
    assert.deepEqual(trainedResult.entries.find((e) => e.kind === 'q')?.heads?.length, 8);
    assert.deepEqual(trainedResult.entries.find((e) => e.kind === 'k')?.heads?.length, 4);
    assert.equal(trainedResult.entries.find((e) => e.kind === 'up')?.heads, undefined);
  });

  test("stories260K whole matrices: singular values equal numpy; α is WeightWatcher's fit by default, the Clauset fit on request; tails under 25 are flagged", () => {
    // WeightWatcher's fit is the default: the run's α equals WeightWatcher's
    // (test/oracles/weightwatcher.json); the Clauset fit of the same eigenvalues still equals numpy's.
    const flags: string[] = [];
    assert.equal(trainedResult.options.alphaFit, 'ww');
    for (const m of oracle.stories260K.matrices) {
      const e = trainedResult.entries.find((x) => x.layer === m.layer && x.kind === m.kind) as MatrixSpectra;
      assert.deepEqual(e.shape, m.shape);
      m.singularValues.forEach((v, i) => assertClose(e.spectrum.singularValues![i]!, v, 1e-9, 1e-12, `L${m.layer} ${m.kind} σ${i}`));
      const ww = wwOracle.stories260K.find((x) => x.layer === m.layer && x.kind === m.kind)!.fit!;
      const fit = e.spectrum.metrics.alpha;
      assert.equal(fit.method, 'ww');
      assert.equal(fit.nTail, ww.nTail, `L${m.layer} ${m.kind} tail size`);
      assertClose(fit.xmin, ww.xmin, 1e-8, 0, `L${m.layer} ${m.kind} x_min`);
      assertClose(fit.alpha, ww.alpha, 1e-7, 0, `L${m.layer} ${m.kind} α`);
      assertClose(fit.ks, ww.D, 1e-7, 0, `L${m.layer} ${m.kind} WeightWatcher's D`);
      assert.equal(fit.reliable, ww.nTail >= 25);
      if (!fit.reliable) assert.match(fit.reason ?? '', new RegExp(`only ${ww.nTail} eigenvalues \\(fewer than 25\\)`));
      flags.push(`${m.kind}:${fit.reliable}`);
      const clauset = fitPowerLaw(e.spectrum.singularValues!.map((s) => s * s));
      assert.equal(clauset.nTail, m.fit.nTail, `L${m.layer} ${m.kind} Clauset tail size`);
      assertClose(clauset.xmin, m.fit.xmin, 1e-8, 0, `L${m.layer} ${m.kind} Clauset x_min`);
      assertClose(clauset.alpha, m.fit.alpha, 1e-7, 0, `L${m.layer} ${m.kind} Clauset α`);
      assertClose(clauset.ks, m.fit.ks, 1e-7, 0, `L${m.layer} ${m.kind} power-law KS`);
    }
    // WeightWatcher's fit of L0 gate and L4 o keeps 6 and 13 eigenvalues (the Clauset fit 29 and 18).
    assert.deepEqual(flags, ['q:false', 'gate:false', 'o:false']);
  });

  test('a random-init model reads as random: no spikes, spectrum ≈ its shuffle, singular vectors ≈ N(0, 1/n)', () => {
    assert.equal(spikes(randomResult), 0);
    for (const e of randomResult.entries) {
      assert.ok(e.spectrum.metrics.randDistance < 0.08, `L${e.layer} ${e.kind}: rand_distance ${e.spectrum.metrics.randDistance}`);
      assert.equal(e.spectrum.mp?.fractionOutside, 0);
    }
    const qk = [...randomResult.randomnessByDepth.q!, ...randomResult.randomnessByDepth.k!] as number[];
    assert.ok(mean(qk) > 0.45, `mean q/k KS p ${mean(qk)}`);
  });

  test('stories260K reads as trained: spikes above the MP edge and a spectrum far from its shuffle in every layer', () => {
    assert.ok(spikes(trainedResult) >= 10, `spikes ${spikes(trainedResult)}`);
    for (const layer of trainedResult.layers) {
      for (const kind of ['q', 'k'] as const) {
        const e = trainedResult.entries.find((x) => x.layer === layer && x.kind === kind) as MatrixSpectra;
        assert.ok((e.spectrum.mp?.spikes ?? 0) >= 1, `L${layer} ${kind}: no spike`);
        const baseline = randomResult.entries.find((x) => x.layer === layer && x.kind === kind) as MatrixSpectra;
        assert.ok(
          e.spectrum.metrics.randDistance > 2.5 * baseline.spectrum.metrics.randDistance,
          `L${layer} ${kind}: rand_distance ${e.spectrum.metrics.randDistance}`,
        );
      }
    }
    const qk = (r: SpectraResult) => mean([...r.randomnessByDepth.q!, ...r.randomnessByDepth.k!] as number[]);
    assert.ok(qk(trainedResult) < qk(randomResult) - 0.08, `mean q/k KS p: trained ${qk(trainedResult)}, random ${qk(randomResult)}`);
  });

  test('streams one partial per matrix with progress, and cancels between matrices', async () => {
    clearSpectraMemoryCache();
    const partials: MatrixSpectra[] = [];
    const progress: number[] = [];
    const r = await runSpectra(
      random,
      { layers: [1, 3], kinds: ['v', 'down'] },
      { onPartial: (e) => partials.push(e), onProgress: (p) => progress.push(p.done) },
    );
    assert.deepEqual(
      partials.map((e) => `${e.layer}${e.kind}`),
      ['1v', '1down', '3v', '3down'],
    );
    assert.deepEqual(progress, [0, 1, 2, 3, 4]);
    assert.deepEqual(r.layers, [1, 3]);
    assert.deepEqual(r.randomnessByDepth.v?.length, 2);
    const abort = new AbortController();
    await assert.rejects(
      runSpectra(random, { layers: [0, 2], kinds: ['q', 'gate'] }, { signal: abort.signal, onPartial: () => abort.abort() }),
      (err) => err instanceof CancelledError,
    );
  });

  test('results are cached per matrix in memory and on disk, keyed by options and the files on disk', async () => {
    clearSpectraMemoryCache();
    const first = await runSpectra(random, { layers: [0], kinds: ['q', 'o'] });
    const again = await runSpectra(random, { layers: [0], kinds: ['q', 'o'] });
    assert.equal(first.cached, 0);
    assert.equal(again.cached, 2);
    assert.deepEqual(again.entries, first.entries);
    const forced = await runSpectra(random, { layers: [0], kinds: ['q', 'o'] }, { force: true });
    assert.equal(forced.cached, 0, 'force ("Run again") recomputes cached matrices');
    assert.ok((forced.entries[0].spectrum.singularValues?.length ?? 0) > 0);
    assert.deepEqual(
      forced.entries.map((e) => e.spectrum.singularValues),
      first.entries.map((e) => e.spectrum.singularValues),
    );
    const left = await runSpectra(random, { layers: [0], kinds: ['q'], vectorSide: 'left' });
    assert.equal(left.cached, 0, 'another vector side is another result');
    assert.equal(left.entries[0]?.spectrum.vectors?.side, 'left');
    assert.equal(left.entries[0]?.spectrum.vectors?.length, 64, 'left vectors of q [64, 64] have length out = 64');
    assert.equal(left.entries[0]?.heads?.[0]?.spectrum.vectors?.length, 8, 'left vectors of a head [8, 64] have length 8');
    // On disk: a fresh worker (empty memory) reads the same entries back, NaN (no rand_distance) included.
    const cacheDir = path.join(dir, 'cache');
    const stored = await runSpectra(random, { layers: [1], kinds: ['k'], randDistance: false }, { cacheDir });
    assert.ok(Number.isNaN(stored.entries[0]?.spectrum.metrics.randDistance));
    clearSpectraMemoryCache();
    const fromDisk = await runSpectra(random, { layers: [1], kinds: ['k'], randDistance: false }, { cacheDir });
    assert.equal(fromDisk.cached, 1);
    assert.deepEqual(fromDisk.entries, stored.entries);
    utimesSync(random.files[0]!, new Date(), new Date(Date.now() + 5000));
    random = await openModel(dir); // as the worker's ModelCache does for a changed file
    const touched = await runSpectra(random, { layers: [0], kinds: ['q', 'o'] });
    assert.equal(touched.cached, 0, 'a rewritten file is never served from the cache');
  });

  test('bad options are refused with messages a user understands', async () => {
    await assert.rejects(runSpectra(random, { layers: [7] }), /layer 7 does not exist: the model has layers 0–4/);
    await assert.rejects(runSpectra(random, { kinds: ['qkv' as 'q'] }), /unknown matrix kind 'qkv'/);
    assert.throws(() => parseSpectraOptions({ vectorSide: 'up' }), /'vectorSide' must be 'right' or 'left'/);
    assert.throws(() => parseSpectraOptions({ layers: [1.5] }), /'layers' must be a non-empty list/);
    assert.throws(() => parseSpectraOptions({ heads: 'yes' }), /'heads' must be true or false/);
    assert.throws(() => parseSpectraOptions('all'), /must be an object/);
    assert.deepEqual(parseSpectraOptions({ layers: [0, 2], kinds: ['q'], vectorSide: 'left', heads: false, jobId: 'x', path: '/m' }), {
      layers: [0, 2],
      kinds: ['q'],
      vectorSide: 'left',
      heads: false,
    });
  });

  test('CLI helpers and CSV: layer ranges, kinds, the text table and one CSV row per matrix and head', () => {
    assert.deepEqual(parseLayerList('0-2,5,1'), [0, 1, 2, 5]);
    assert.throws(() => parseLayerList('3-1'), /runs backwards/);
    assert.throws(() => parseKindList('q,attn'), /'attn' is not one of/);
    const text = formatSpectra(trainedResult, true);
    assert.match(text, /L2 q\s+64×64/);
    assert.match(text, /^ {2}head 7 /m);
    assert.match(text, /Randomness vs depth/);
    const csv = parseCsv(spectraCsv(trainedResult));
    assert.deepEqual(csv[0], [...SPECTRA_CSV_COLUMNS]);
    const heads = trainedResult.entries.reduce((a, e) => a + (e.heads?.length ?? 0), 0);
    assert.equal(csv.length, 1 + trainedResult.entries.length + heads);
    assert.ok(csv.every((cells) => cells.length === SPECTRA_CSV_COLUMNS.length));
    // Unreliable power-law fits: flagged with their reason, never given as a number (CSV and table).
    const col = (name: string) => SPECTRA_CSV_COLUMNS.indexOf(name as (typeof SPECTRA_CSV_COLUMNS)[number]);
    const matrixRows = csv.slice(1).filter((cells) => cells[col('head')] === '');
    let reliable = 0;
    let unreliable = 0;
    trainedResult.entries.forEach((e, i) => {
      const cells = matrixRows[i]!;
      assert.equal(`${cells[col('layer')]}${cells[col('kind')]}`, `${e.layer}${e.kind}`);
      const a = e.spectrum.metrics.alpha;
      if (a.reliable) {
        reliable++;
        assert.equal(Number(cells[col('alpha')]), a.alpha);
        assert.equal(Number(cells[col('alpha_weighted')]), e.spectrum.metrics.alphaWeighted);
        assert.equal(cells[col('alpha_note')], '');
      } else {
        unreliable++;
        assert.equal(cells[col('alpha')], '', `L${e.layer} ${e.kind}: unreliable α printed`);
        assert.equal(cells[col('alpha_weighted')], '');
        assert.equal(cells[col('alpha_reliable')], 'false');
        assert.match(cells[col('alpha_note')]!, /fewer than 25|positive eigenvalues/);
        // Table columns: label (2 words), shape, σ, spikes, out, KS MP, mean p, p<.05, α, tail, α_w, …
        const words = text
          .split('\n')
          .find((l) => l.startsWith(`L${e.layer} ${e.kind} `))!
          .trim()
          .split(/\s+/);
        assert.ok(['unrel.', '–'].includes(words[9]!) && words[11] === words[9], `table shows an unreliable α: ${words.join(' ')}`);
      }
    });
    // stories260K has both kinds of matrices, so both branches above ran.
    assert.ok(reliable > 0 && unreliable > 0, `reliable ${reliable}, unreliable ${unreliable}`);
  });
});

/** RFC 4180 rows (quoted cells may hold commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trimEnd().split('\n')) {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') ((cell += '"'), i++);
        else if (c === '"') quoted = false;
        else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') (cells.push(cell), (cell = ''));
      else cell += c;
    }
    cells.push(cell);
    rows.push(cells);
  }
  return rows;
}
