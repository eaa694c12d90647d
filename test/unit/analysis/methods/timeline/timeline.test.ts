// The training-run timeline over a real Trainer-style run (the oracle's four checkpoints, written as
// checkpoint-<step>/ folders): drift_prev, drift_first and cos_first equal the numpy oracle
// test/oracles/timeline_drift.py; every spectral, similarity and correlation value equals what the
// single-checkpoint analysis (spectra, similarity, correlations) reports for that checkpoint; a
// checkpoint added to the run is the only one computed; a damaged checkpoint keeps its place with
// its error while the rest is measured; CSV, options and the command line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { runSpectra, clearSpectraMemoryCache } from '../../../../../src/analysis/methods/spectra/spectra';
import { runSimilarityJob } from '../../../../../src/analysis/methods/similarity/job';
import { runCorrelations, clearCorrelationsMemoryCache } from '../../../../../src/analysis/methods/correlations/correlations';
import { clearTimelineMemoryCache, runTimeline } from '../../../../../src/analysis/methods/timeline/timeline';
import { discoverCheckpoints } from '../../../../../src/analysis/methods/timeline/discover';
import type { CheckpointMetrics, TimelineResult, TimelineValue } from '../../../../../src/analysis/methods/timeline/names';
import { parseTimelineOptions } from '../../../../../src/analysis/methods/timeline/options';
import { TIMELINE_TIDY_COLUMNS, timelineCsv, timelineTidyRows } from '../../../../../src/analysis/methods/timeline/csv';
import { timelineCommand, watchRun } from '../../../../../src/analysis/methods/timeline/command';
import { tidyCsv } from '../../../../../src/analysis/methods/common/csv';
import type { CliContext } from '../../../../../src/analysis/cli/types';
import { handlers } from '../../../../../src/analysis/worker/handlers/index';
import { ORACLE, writeCheckpoint } from './series';

let root = '';
let run = '';
let engine: Engine;
let result: TimelineResult;

async function series(dir: string) {
  return (await discoverCheckpoints(dir)).checkpoints.map((c) => ({ path: c.path, step: c.step, unit: c.unit, name: c.name }));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-timeline-'));
  run = join(root, 'run');
  for (let t = 0; t < ORACLE.checkpoints.length; t++) await writeCheckpoint(run, t);
  engine = await getEngine({ providers: ['cpu'], threads: 1 });
  clearTimelineMemoryCache();
  const refs = await series(run);
  result = await runTimeline(await openModel(refs[0].path), parseTimelineOptions({ checkpoints: refs }), { engine });
});
after(() => rm(root, { recursive: true, force: true }));

const valueOf = (c: CheckpointMetrics, layer: number, kind: string | null, metric: string): TimelineValue | undefined =>
  c.values.find((v) => v.layer === layer && v.kind === kind && v.metric === metric);

test('checkpoints in step order, every metric of every matrix present', () => {
  assert.deepEqual(
    result.checkpoints.map((c) => [c.step, c.name, c.error]),
    ORACLE.steps.map((s) => [s, `checkpoint-${s}`, undefined]),
  );
  assert.deepEqual(result.layers, [0, 1]);
  assert.deepEqual(result.kinds, ['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
  for (const c of result.checkpoints) {
    for (const kind of result.kinds) {
      for (const layer of [0, 1]) {
        for (const m of ['drift_first', 'cos_first', 'alpha', 'log_spectral_norm', 'stable_rank', 'ks_mean_p'])
          assert.ok(valueOf(c, layer, kind, m), `${c.name} L${layer} ${kind} ${m}`);
        assert.equal(!!valueOf(c, layer, kind, 'drift_prev'), c.index > 0, 'drift_prev from the second checkpoint on');
      }
      assert.ok(valueOf(c, 0, kind, 'docs_adjacent'), `${c.name} ${kind} docs_adjacent at layer 0`);
      assert.equal(valueOf(c, 1, kind, 'docs_adjacent'), undefined, 'the last layer has no next layer');
    }
    for (const layer of [0, 1]) for (const m of ['m1_mean', 'm5_mean']) assert.ok(valueOf(c, layer, null, m));
  }
});

test('drift equals the numpy oracle', () => {
  for (const [t, c] of result.checkpoints.entries()) {
    for (const d of ORACLE.checkpoints[t].drift) {
      for (const metric of ['drift_prev', 'drift_first', 'cos_first'] as const) {
        const want = d[metric];
        const got = valueOf(c, d.layer, d.kind, metric)?.value;
        if (want === undefined) {
          assert.equal(got, undefined);
          continue;
        }
        assert.ok(
          typeof got === 'number' && Math.abs(got - want) <= 1e-12 + 1e-9 * Math.abs(want),
          `${c.name} L${d.layer} ${d.kind} ${metric}: ${got} vs ${want}`,
        );
      }
    }
  }
  // The first checkpoint against itself: no drift, cosine 1.
  assert.ok(result.checkpoints[0].values.filter((v) => v.metric === 'drift_first').every((v) => v.value === 0));
});

test('every spectral, similarity and correlation value equals the single-checkpoint analysis of that checkpoint', async () => {
  clearSpectraMemoryCache();
  clearCorrelationsMemoryCache();
  for (const c of result.checkpoints) {
    const model = await openModel(c.path);
    // The analyses as their panels run them, with their defaults.
    const spectra = await runSpectra(model, {}, { engine });
    for (const e of spectra.entries) {
      const m = e.spectrum.metrics;
      const expect = { alpha: m.alpha.alpha, log_spectral_norm: m.logSpectralNorm, stable_rank: m.stableRank, ks_mean_p: e.meanP };
      for (const [metric, want] of Object.entries(expect)) {
        const got = valueOf(c, e.layer, e.kind, metric)?.value;
        assert.equal(got, Number.isFinite(want) ? want : null, `${c.name} L${e.layer} ${e.kind} ${metric}`);
      }
    }
    for (const kind of result.kinds) {
      const sim = await runSimilarityJob(engine, model, { kind }, {});
      const pair = sim.pairs.find((p) => p.layerA === 0 && p.layerB === 1)!;
      assert.equal(valueOf(c, 0, kind, 'docs_adjacent')?.value, pair.values.docs, `${c.name} ${kind} DOCS`);
    }
    const corr = await runCorrelations(model, {}, { engine });
    for (const e of corr.entries) {
      const mean = (xs: (number | null)[]) => (xs as number[]).reduce((a, b) => a + b, 0) / xs.length;
      assert.equal(valueOf(c, e.layer, null, 'm1_mean')?.value, mean(e.heads.map((h) => h.M1)));
      assert.equal(valueOf(c, e.layer, null, 'm5_mean')?.value, mean(e.heads.map((h) => h.M5)));
    }
  }
});

test('adding a checkpoint computes only it; the others come from the cache', async () => {
  const dir = join(root, 'growing');
  for (let t = 0; t < 3; t++) await writeCheckpoint(dir, t);
  const cacheDir = join(root, 'cache');
  clearTimelineMemoryCache();
  const opts = (refs: Awaited<ReturnType<typeof series>>) =>
    parseTimelineOptions({ checkpoints: refs, metrics: ['drift_prev', 'drift_first', 'alpha'], kinds: ['q', 'up'] });
  const first = await series(dir);
  const a = await runTimeline(await openModel(first[0].path), opts(first), { engine, cacheDir });
  assert.deepEqual(
    a.checkpoints.map((c) => c.cached),
    [false, false, false],
  );
  await writeCheckpoint(dir, 3);
  clearTimelineMemoryCache(); // from disk, as in the next session
  const refs = await series(dir);
  const partials: string[] = [];
  const b = await runTimeline(await openModel(refs[0].path), opts(refs), { engine, cacheDir, onPartial: (c) => partials.push(c.name) });
  assert.deepEqual(
    b.checkpoints.map((c) => c.cached),
    [true, true, true, false],
  );
  assert.deepEqual(partials, ['checkpoint-0', 'checkpoint-50', 'checkpoint-120', 'checkpoint-200']);
  // The same values as the full run.
  for (const c of b.checkpoints)
    for (const v of c.values) {
      // α here comes from the values-only decomposition (no ks_mean_p asked for): equal to rounding.
      const want = valueOf(result.checkpoints[c.index], v.layer, v.kind, v.metric)?.value;
      assert.ok(v.value === want || Math.abs(v.value! - want!) <= 1e-12 * Math.abs(want!), `${c.name} ${v.metric}: ${v.value} vs ${want}`);
    }
});

test('a damaged checkpoint keeps its place with the error; the next one drifts from the last good one', async () => {
  const dir = join(root, 'damaged');
  for (let t = 0; t < 4; t++) await writeCheckpoint(dir, t);
  const refs = await series(dir);
  const file = join(refs[2].path, 'model.safetensors');
  await truncate(file, (await readFile(file)).length - 64);
  const r = await runTimeline(await openModel(refs[0].path), parseTimelineOptions({ checkpoints: refs, metrics: ['drift_prev'], kinds: ['q'] }), { engine });
  assert.match(r.checkpoints[2].error ?? '', /checkpoint-120.*model\.safetensors.*truncated|truncated/);
  assert.deepEqual(r.checkpoints[2].values, []);
  assert.equal(r.checkpoints[3].error, undefined);
  // drift_prev of step 200 is against step 50 now.
  const [w50, w200] = [ORACLE.checkpoints[1].matrices['0'].q, ORACLE.checkpoints[3].matrices['0'].q];
  let diff = 0,
    ref = 0;
  for (let i = 0; i < w50.length; i++) {
    diff += (w200[i] - w50[i]) ** 2;
    ref += w50[i] ** 2;
  }
  const got = valueOf(r.checkpoints[3], 0, 'q', 'drift_prev')!.value!;
  assert.ok(Math.abs(got - Math.sqrt(diff / ref)) < 1e-12, `${got} vs ${Math.sqrt(diff / ref)}`);
});

test('options: one validator, messages that name the option', () => {
  assert.throws(() => parseTimelineOptions({}), /timeline option 'checkpoints' must be a non-empty list/);
  assert.throws(() => parseTimelineOptions({ checkpoints: [{ path: 'a' }] }), /'checkpoints\[0\]\.step' must be a non-negative number/);
  assert.throws(() => parseTimelineOptions({ checkpoints: [{ path: 'a', step: 1 }], metrics: ['loss'] }), /'metrics' must be a non-empty list of drift_prev/);
  assert.throws(() => parseTimelineOptions({ checkpoints: [{ path: 'a', step: 1 }], kinds: ['qkv'] }), /'kinds'/);
  assert.throws(
    () =>
      parseTimelineOptions({
        checkpoints: [
          { path: 'a', step: 1 },
          { path: 'a', step: 2 },
        ],
      }),
    /repeated paths/,
  );
  assert.deepEqual(parseTimelineOptions({ checkpoints: [{ path: 'a', step: 1, unit: 'epoch' }], expert: 'shared', layers: [1] }), {
    checkpoints: [{ path: 'a', step: 1, unit: 'epoch' }],
    expert: 'shared',
    layers: [1],
  });
});

test('tidy CSV: one row per value with step, checkpoint, layer, kind; wide CSV: one column per metric', () => {
  const rows = timelineTidyRows(result);
  assert.equal(
    rows.length,
    result.checkpoints.reduce((a, c) => a + c.values.length, 0),
  );
  const csv = tidyCsv(TIMELINE_TIDY_COLUMNS, rows).split('\n');
  assert.equal(csv[0], 'step,checkpoint,layer,kind,expert,metric,value');
  const v = valueOf(result.checkpoints[1], 1, 'gate', 'drift_prev')!;
  assert.ok(csv.includes(`50,checkpoint-50,1,gate,,drift_prev,${v.value}`));
  const m1 = valueOf(result.checkpoints[0], 0, null, 'm1_mean')!;
  assert.ok(csv.includes(`0,checkpoint-0,0,,,m1_mean,${m1.value}`));
  const wide = timelineCsv(result).split('\n');
  assert.equal(wide[0], `step,unit,checkpoint,layer,kind,expert,${result.metrics.join(',')}`);
  const line = wide.find((l) => l.startsWith('120,step,checkpoint-120,1,down,,'))!;
  assert.equal(line.split(',')[6 + result.metrics.indexOf('drift_first')], String(valueOf(result.checkpoints[2], 1, 'down', 'drift_first')!.value));
  // Per checkpoint: 2 layers × (the per-layer row + 7 kinds), layer by layer.
  const rows120 = wide.filter((l) => l.startsWith('120,'));
  assert.deepEqual(
    rows120.map((l) => l.split(',').slice(3, 5).join(' ')),
    ['0 ', '0 q', '0 k', '0 v', '0 o', '0 gate', '0 up', '0 down', '1 ', '1 q', '1 k', '1 v', '1 o', '1 gate', '1 up', '1 down'],
  );
});

function cliContext(out: string[], err: string[], signal = new AbortController().signal): CliContext {
  return { signal, onProgress: () => {}, out: (t) => out.push(t), err: (t) => err.push(t), model: (p) => openModel(p), engine: () => Promise.resolve(engine) };
}

test('layer-lens timeline <run> --csv: the tidy rows of the complete checkpoints; one still being written is skipped', async () => {
  const dir = join(root, 'cli');
  for (let t = 0; t < 3; t++) await writeCheckpoint(dir, t);
  const partial = await writeCheckpoint(dir, 3);
  await truncate(join(partial, 'model.safetensors'), 1000);
  const out: string[] = [],
    err: string[] = [];
  await timelineCommand.run({ positionals: [dir], values: { csv: true, metrics: 'drift_first', kinds: 'q,k' } }, cliContext(out, err));
  const lines = out.join('').trim().split('\n');
  assert.equal(lines[0], 'step,checkpoint,layer,kind,expert,metric,value');
  assert.equal(lines.length - 1, 3 * 2 * 2);
  const row = lines.find((l) => l.startsWith('120,checkpoint-120,1,k,,drift_first,'))!;
  const want = ORACLE.checkpoints[2].drift.find((d) => d.layer === 1 && d.kind === 'k')!.drift_first;
  assert.ok(Math.abs(Number(row.split(',')[6]) - want) < 1e-12, row);
  assert.ok(err.some((e) => /skipped checkpoint-200: still being written/.test(e)));
  await assert.rejects(timelineCommand.run({ positionals: [dir], values: { metrics: 'loss' } }, cliContext([], [])), /--metrics: 'loss' is not one of/);
});

test('--watch: a checkpoint is added once complete and quiet, its rows alone printed; a deleted one is reported', async () => {
  const dir = join(root, 'watch');
  await writeCheckpoint(dir, 0);
  await writeCheckpoint(dir, 1);
  const out: string[] = [],
    err: string[] = [];
  let clock = 0;
  const printed: string[][] = [];
  await watchRun(dir, { metrics: ['drift_prev'], kinds: ['v'] }, { csv: true }, cliContext(out, err), {
    pollMs: 1,
    stableMs: 1000,
    now: () => clock,
    rounds: 6,
    beforeLook: async (round) => {
      printed.push(out.splice(0));
      clock = round * 2000;
      if (round === 2) {
        await writeCheckpoint(dir, 2);
        const growing = await writeCheckpoint(dir, 3);
        await truncate(join(growing, 'model.safetensors'), 1000);
      }
      if (round === 4) await rm(join(dir, 'checkpoint-0'), { recursive: true });
    },
  });
  printed.push(out.splice(0));
  const rows = (i: number) => printed[i].join('').trim().split('\n').filter(Boolean);
  // Numbers to 12 significant digits: the oracle's sums run in another order.
  const near = (lines: string[]) => lines.map((l) => l.replace(/[0-9.]+e?-?[0-9]*$/, (x) => (x.includes('.') ? Number(x).toPrecision(12) : x)));
  assert.deepEqual(rows(1), []); // first look: not quiet yet
  const v = (t: number, l: number) => ORACLE.checkpoints[t].drift.find((d) => d.layer === l && d.kind === 'v')!.drift_prev;
  // Second look: both checkpoints; the first has no drift_prev, so only step 50's rows.
  assert.deepEqual(
    near(rows(2)),
    near(['step,checkpoint,layer,kind,expert,metric,value', `50,checkpoint-50,0,v,,drift_prev,${v(1, 0)}`, `50,checkpoint-50,1,v,,drift_prev,${v(1, 1)}`]),
  );
  assert.deepEqual(rows(3), []); // step 120 seen, not quiet yet; step 200 still being written
  assert.deepEqual(near(rows(4)), near([`120,checkpoint-120,0,v,,drift_prev,${v(2, 0)}`, `120,checkpoint-120,1,v,,drift_prev,${v(2, 1)}`]));
  assert.deepEqual(rows(5), []);
  assert.ok(err.includes('checkpoint-0 was removed'), err.join('\n'));
});

test("the worker's timeline/run request: path is the first checkpoint, partials stream each checkpoint, bad options are bad-input", async () => {
  const refs = await series(run);
  const partials: unknown[] = [];
  const ctx = {
    signal: new AbortController().signal,
    onProgress: () => {},
    onPartial: (d: unknown) => partials.push(d),
    model: (p: string) => openModel(p),
    engine: () => Promise.resolve(engine),
  };
  const r = await handlers['timeline/run']({ jobId: 'j1', path: refs[0].path, checkpoints: refs, metrics: ['cos_first'], kinds: ['o'] }, ctx);
  assert.deepEqual(
    r.checkpoints.map((c) => c.step),
    ORACLE.steps,
  );
  assert.equal(partials.length, refs.length);
  const want = ORACLE.checkpoints[3].drift.find((d) => d.layer === 0 && d.kind === 'o')!.cos_first;
  assert.ok(Math.abs(valueOf(r.checkpoints[3], 0, 'o', 'cos_first')!.value! - want) < 1e-12);
  await assert.rejects(
    handlers['timeline/run']({ path: refs[0].path, checkpoints: [] } as never, ctx),
    (e: Error & { code?: string }) => e.code === 'bad-input' && /'checkpoints' must be a non-empty list/.test(e.message),
  );
});
