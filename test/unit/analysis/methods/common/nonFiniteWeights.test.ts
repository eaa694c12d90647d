// Every analysis on a model with NaN in layer 1's q (query head 1's rows) and +Inf in layer 2's
// down (nonFiniteFixture.ts), against the same analysis of the clean copy: exactly those matrices
// are flagged with the planted counts, the values that need them are null with a reason, and every
// other value equals the clean model's bit for bit. Analyses that run the model stop with a message
// naming the layers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { formatCorrelations } from '../../../../../src/analysis/methods/correlations/cli';
import { NonFiniteWeightsError, readRoleChecked, scanRoleMatrices } from '../../../../../src/analysis/methods/common/checkedRead';
import { runCorrelations, type CorrelationsResult } from '../../../../../src/analysis/methods/correlations/correlations';
import { correlationsCsv } from '../../../../../src/analysis/methods/correlations/csv';
import { HEAD_MEASURES, M7_MEASURES, M8_MEASURES } from '../../../../../src/analysis/methods/correlations/names';
import { regression } from '../../../../../src/analysis/methods/correlations/regression';
import { headValues } from '../../../../../src/analysis/methods/correlations/values';
import { headCells, mlpCells } from '../../../../../webview/correlations/viewModel';
import { layerSimilarity } from '../../../../../src/analysis/methods/similarity/layerSimilarity';
import { similarityCsv } from '../../../../../src/analysis/methods/similarity/csv';
import { formatSimilarity } from '../../../../../src/analysis/methods/similarity/cli';
import { heatCells, viewFromResult } from '../../../../../webview/similarity/viewModel';
import { runSpectra } from '../../../../../src/analysis/methods/spectra/spectra';
import { spectraCsv, SPECTRA_CSV_COLUMNS } from '../../../../../src/analysis/methods/spectra/csv';
import { formatSpectra } from '../../../../../src/analysis/methods/spectra/cli';
import { heatmapCells, metricById } from '../../../../../webview/spectra/metrics';
import { runDiff } from '../../../../../src/analysis/methods/diff/diff';
import { formatDiff } from '../../../../../src/analysis/methods/diff/cli';
import { flaggedCells } from '../../../../../webview/diff/metrics';
import { runActivationJob } from '../../../../../src/analysis/methods/activation/job';
import { runPersistenceJob } from '../../../../../src/analysis/methods/persistence/job';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { DOWN_TENSOR, NF, Q_NAN, Q_TENSOR, writeNonFinitePair, type NonFinitePair } from '../../../../fixtures/nonFiniteFixture';

let pair: NonFinitePair;
let clean: ModelHandle, poisoned: ModelHandle;
let engine: Engine;

before(async () => {
  pair = await writeNonFinitePair();
  clean = await openModel(pair.clean);
  poisoned = await openModel(pair.poisoned);
  engine = await getEngine({ providers: ['cpu'], threads: 1 });
});
after(() => rm(pair.root, { recursive: true, force: true }));

const flagOf = (f: { layer: number; role: string; head?: number; tensor: string; nan: number; posInf: number; negInf: number }) => ({
  layer: f.layer,
  role: f.role,
  head: f.head,
  tensor: f.tensor,
  nan: f.nan,
  posInf: f.posInf,
  negInf: f.negInf,
});

describe('the shared check', () => {
  test('readRoleChecked flags exactly the planted matrices; the scan lists them in layer order', async () => {
    for (const info of poisoned.layers) {
      for (const role of Object.keys(info.roles) as (keyof typeof info.roles)[]) {
        const got = await readRoleChecked(poisoned, info.index, role);
        const ref = await readRoleChecked(clean, info.index, role);
        assert.equal(ref.flag, null);
        const planted = (info.index === 1 && role === 'q') || (info.index === 2 && role === 'down');
        assert.equal(got.flag !== null, planted, `layer ${info.index} ${role}`);
      }
    }
    const flags = await scanRoleMatrices(poisoned);
    assert.deepEqual(flags.map(flagOf), [
      { layer: 1, role: 'q', head: undefined, tensor: Q_TENSOR, nan: 2, posInf: 0, negInf: 0 },
      { layer: 2, role: 'down', head: undefined, tensor: DOWN_TENSOR, nan: 0, posInf: 1, negInf: 0 },
    ]);
    assert.equal(flags[0].summary, `2 NaN, 0 Inf in ${Q_TENSOR}`);
    assert.equal(flags[1].summary, `0 NaN, 1 Inf in ${DOWN_TENSOR}`);
    assert.deepEqual(await scanRoleMatrices(clean), []);
  });
});

describe('correlations', () => {
  let a: CorrelationsResult, b: CorrelationsResult;
  before(async () => {
    a = await runCorrelations(clean, {}, { engine });
    b = await runCorrelations(poisoned, {}, { engine });
  });

  test('flags layer 1 q and layer 2 down; the head flag names query head 1 only', () => {
    assert.deepEqual(a.nonFinite, []);
    assert.deepEqual(b.nonFinite.map(flagOf), [
      { layer: 1, role: 'q', head: undefined, tensor: Q_TENSOR, nan: 2, posInf: 0, negInf: 0 },
      { layer: 2, role: 'down', head: undefined, tensor: DOWN_TENSOR, nan: 0, posInf: 1, negInf: 0 },
    ]);
    const flaggedHeads = b.entries.flatMap((e) =>
      e.heads.filter((h) => h.nonFinite).map((h) => ({ layer: e.layer, head: h.head, flags: h.nonFinite!.map(flagOf) })),
    );
    assert.deepEqual(flaggedHeads, [{ layer: 1, head: 1, flags: [{ layer: 1, role: 'q', head: 1, tensor: Q_TENSOR, nan: 2, posInf: 0, negInf: 0 }] }]);
  });

  test('M1, M2, M4 of layer 1 head 1 and the up/down MLP measures of layer 2 are null; every other value equals the clean model', () => {
    const nullHead = new Set(['M1', 'M2', 'M4']);
    const nullMlp = new Set(['gate_downT', 'up_downT', 'pinvUp_down', 'down_gate', 'down_up', 'down_pinvUpT']);
    let compared = 0;
    for (const [i, e] of b.entries.entries()) {
      const ref = a.entries[i];
      e.heads.forEach((h, k) => {
        for (const m of HEAD_MEASURES) {
          const expectNull = e.layer === 1 && h.head === 1 && nullHead.has(m);
          if (expectNull) assert.equal(h[m], null, `L${e.layer} h${h.head} ${m}`);
          else {
            assert.equal(h[m], ref.heads[k][m], `L${e.layer} h${h.head} ${m}`);
            assert.ok(Number.isFinite(h[m]));
            compared++;
          }
        }
      });
      for (const [group, names] of [
        ['m7', M7_MEASURES],
        ['m8', M8_MEASURES],
      ] as const) {
        for (const m of names) {
          const got = (e[group] as Record<string, number | null>)[m],
            want = (ref[group] as Record<string, number | null>)[m];
          if (e.layer === 2 && nullMlp.has(m)) assert.equal(got, null, `L2 ${m}`);
          else {
            assert.equal(got, want, `L${e.layer} ${m}`);
            compared++;
          }
        }
      }
    }
    assert.equal(compared, 3 * 4 * 5 - 3 + 3 * 7 - 6);
    assert.match(b.entries[1].notes.join(' '), /not computable: 2 NaN, 0 Inf in model\.layers\.1\.self_attn\.q_proj\.weight/);
  });

  test('panel cells: the null ones are flagged with the tensor and counts as their reason, the rest keep their value', () => {
    const m1 = headCells(b.entries, 'M1', b);
    assert.deepEqual(
      m1.filter((c) => c.flagged).map((c) => [c.layer, c.col, c.value, c.reason]),
      [[1, 1, null, `2 NaN, 0 Inf in ${Q_TENSOR} (head 1)`]],
    );
    assert.ok(headCells(b.entries, 'M3', b).every((c) => !c.flagged && c.value !== null));
    const m7 = mlpCells(b.entries, 'm7', b);
    assert.deepEqual(
      m7.filter((c) => c.flagged).map((c) => [c.layer, c.measure, c.reason]),
      [
        [2, 'gate_downT', `0 NaN, 1 Inf in ${DOWN_TENSOR}`],
        [2, 'up_downT', `0 NaN, 1 Inf in ${DOWN_TENSOR}`],
        [2, 'pinvUp_down', `0 NaN, 1 Inf in ${DOWN_TENSOR}`],
      ],
    );
    assert.equal(m7.find((c) => c.layer === 2 && c.measure === 'gate_up')!.value, a.entries[2].m7.gate_up);
  });

  test('M6 leaves the flagged head out; CSV and CLI name the flagged matrices', () => {
    const heads = a.entries.flatMap((e) => e.heads.filter((h) => !(e.layer === 1 && h.head === 1)));
    assert.deepEqual(
      b.m6,
      regression(
        heads.map((h) => h.M1!),
        heads.map((h) => h.M5!),
      ),
    );
    assert.equal(b.m6!.n, 11);
    const csv = correlationsCsv(b).trim().split('\n');
    const head = csv.find((l) => l.startsWith('head,1,1,'))!;
    assert.match(head, /^head,1,1,0,,,[^,]+,,[^,]+,.*,"not computable: 2 NaN, 0 Inf in model\.layers\.1\.self_attn\.q_proj\.weight \(head 1\)"$/);
    assert.match(
      csv.find((l) => l.startsWith('layer,2,'))!,
      /"not computable: 0 NaN, 1 Inf in model\.layers\.2\.mlp\.down_proj\.weight"$/,
    );
    const text = formatCorrelations(b);
    assert.match(text, /Non-finite weights: 2 flagged matrices/);
    assert.match(text, /layer 1 q: 2 NaN, 0 Inf in model\.layers\.1\.self_attn\.q_proj\.weight/);
    assert.match(text, /layer 2 down: 0 NaN, 1 Inf in model\.layers\.2\.mlp\.down_proj\.weight/);
    assert.doesNotMatch(formatCorrelations(a), /Non-finite/);
  });
});

test('correlations: the value scatter of the flagged head leaves out exactly the NaN entries and has no cc', async () => {
  const ref = await headValues(clean, { layer: 1, head: 1, measure: 'M1' });
  const v = await headValues(poisoned, { layer: 1, head: 1, measure: 'M1' });
  const dropped = Q_NAN.map((i) => i - NF.headDim * NF.hidden); // positions inside head 1's [hd, d] slice
  assert.equal(ref.x.length, 64);
  assert.deepEqual(
    v.x,
    ref.x.filter((_, i) => !dropped.includes(i)),
  );
  assert.deepEqual(
    v.y,
    ref.y.filter((_, i) => !dropped.includes(i)),
  );
  assert.equal(v.cc, null);
  assert.deepEqual(
    v.nonFinite.map((f) => f.summary),
    [`2 NaN, 0 Inf in ${Q_TENSOR} (head 1)`],
  );
  const head0 = (await headValues(poisoned, { layer: 1, head: 0, measure: 'M1' })).cc;
  assert.ok(Number.isFinite(head0));
  assert.equal(head0, (await headValues(clean, { layer: 1, head: 0, measure: 'M1' })).cc);
});

describe('layer similarity', () => {
  test('q: the pairs with layer 1 are null with the reason, pair 0 × 2 equals the clean model in every index and fit', async () => {
    const ref = await layerSimilarity(engine, clean, { kind: 'q' });
    const r = await layerSimilarity(engine, poisoned, { kind: 'q' });
    assert.deepEqual(ref.nonFinite, []);
    assert.deepEqual(r.nonFinite.map(flagOf), [{ layer: 1, role: 'q', head: undefined, tensor: Q_TENSOR, nan: 2, posInf: 0, negInf: 0 }]);
    assert.equal(r.pairs.length, 3);
    for (const p of r.pairs) {
      const q = ref.pairs.find((x) => x.a === p.a && x.b === p.b)!;
      if (p.layerA === 1 || p.layerB === 1) {
        assert.ok(
          r.indices.every((i) => p.values[i] === null),
          `${p.layerA}×${p.layerB}`,
        );
        assert.equal(p.docs, undefined);
        assert.equal(p.reason, `not computable: 2 NaN, 0 Inf in ${Q_TENSOR}`);
        assert.deepEqual(
          p.nonFinite!.map((f) => f.layer),
          [1],
        );
        assert.ok(p.comparable && p.complete);
      } else {
        assert.equal(p.nonFinite, undefined);
        assert.deepEqual(p.values, q.values);
        assert.deepEqual(p.docs, q.docs);
        assert.ok(r.indices.every((i) => Number.isFinite(p.values[i])));
      }
    }
    const cells = heatCells(viewFromResult(r), 'docs');
    assert.deepEqual(
      cells.filter((c) => c.state === 'non-finite').map((c) => [c.a, c.b]),
      [
        [0, 1],
        [1, 0],
        [1, 2],
        [2, 1],
      ],
    );
    const row = similarityCsv(r)
      .split('\n')
      .find((l) => l.startsWith('q,columns,0,1,') || l.startsWith('q,rows,0,1,'))!;
    assert.ok(row.endsWith(`,"not computable: 2 NaN, 0 Inf in ${Q_TENSOR}"`), row);
    assert.match(row, /^q,\w+,0,1,true,(,){7}/);
    const text = formatSimilarity(r, 'docs');
    assert.match(text, /L1 +n\/f +1\.000 +n\/f/);
    assert.match(text, /layer 1 q: 2 NaN, 0 Inf in model\.layers\.1\.self_attn\.q_proj\.weight/);
  });

  test('down flags layer 2 only; k (finite everywhere) is identical to the clean model', async () => {
    const r = await layerSimilarity(engine, poisoned, { kind: 'down', indices: ['docs', 'cka'] });
    assert.deepEqual(r.nonFinite.map(flagOf), [{ layer: 2, role: 'down', head: undefined, tensor: DOWN_TENSOR, nan: 0, posInf: 1, negInf: 0 }]);
    assert.deepEqual(
      r.pairs
        .filter((p) => p.nonFinite)
        .map((p) => [p.layerA, p.layerB])
        .sort((x, y) => x[0] - y[0]),
      [
        [0, 2],
        [1, 2],
      ],
    );
    assert.ok(Number.isFinite(r.pairs.find((p) => p.layerA === 0 && p.layerB === 1)!.values.docs));
    const k = await layerSimilarity(engine, poisoned, { kind: 'k', indices: ['docs', 'pearson'] });
    const kRef = await layerSimilarity(engine, clean, { kind: 'k', indices: ['docs', 'pearson'] });
    assert.deepEqual(k.nonFinite, []);
    assert.deepEqual(k.pairs, kRef.pairs);
  });
});

test('spectra: layer 1 q and layer 2 down are left out with their flags; the finite heads of q and every other matrix equal the clean model', async () => {
  const opts = { kinds: ['q', 'down'] as ('q' | 'down')[], randDistance: false };
  const ref = await runSpectra(clean, opts, { engine });
  const r = await runSpectra(poisoned, opts, { engine });
  assert.deepEqual(ref.nonFinite, []);
  assert.deepEqual(r.nonFinite.map(flagOf), [
    { layer: 1, role: 'q', head: undefined, tensor: Q_TENSOR, nan: 2, posInf: 0, negInf: 0 },
    { layer: 2, role: 'down', head: undefined, tensor: DOWN_TENSOR, nan: 0, posInf: 1, negInf: 0 },
  ]);
  const q1 = r.nonFinite[0];
  assert.deepEqual(q1.headFlags.map(flagOf), [{ layer: 1, role: 'q', head: 1, tensor: Q_TENSOR, nan: 2, posInf: 0, negInf: 0 }]);
  const refQ1 = ref.entries.find((e) => e.layer === 1 && e.kind === 'q')!;
  assert.deepEqual(
    q1.heads.map((h) => h.head),
    [0, 2, 3],
  );
  for (const h of q1.heads) assert.deepEqual(h.spectrum, refQ1.heads!.find((x) => x.head === h.head)!.spectrum);
  assert.deepEqual(
    r.entries.map((e) => `${e.layer}${e.kind}`),
    ['0q', '0down', '1down', '2q'],
  );
  for (const e of r.entries)
    assert.deepEqual(
      e,
      ref.entries.find((x) => x.layer === e.layer && x.kind === e.kind),
    );
  assert.deepEqual(r.randomnessByDepth.q, [ref.randomnessByDepth.q![0], null, ref.randomnessByDepth.q![2]]);
  assert.deepEqual(r.randomnessByDepth.down, [ref.randomnessByDepth.down![0], ref.randomnessByDepth.down![1], null]);
  // Panel: two hatched cells with the counts; CSV: the reason column; CLI: the list.
  const cells = heatmapCells(r.entries, metricById('meanP'), r.nonFinite);
  assert.deepEqual(
    cells.filter((c) => c.flagged).map((c) => [c.layer, c.kind, c.value, c.note]),
    [
      [1, 'q', null, `2 NaN, 0 Inf in ${Q_TENSOR}`],
      [2, 'down', null, `0 NaN, 1 Inf in ${DOWN_TENSOR}`],
    ],
  );
  const csv = spectraCsv(r).trim().split('\n');
  assert.ok(csv.every((l) => l.split(',').length >= SPECTRA_CSV_COLUMNS.length));
  assert.ok(csv.some((l) => l.startsWith('1,q,,,16,16,') && l.endsWith(`,"not computable: 2 NaN, 0 Inf in ${Q_TENSOR}"`)));
  assert.ok(csv.some((l) => l.startsWith('1,q,,1,,') && l.endsWith(`,"not computable: 2 NaN, 0 Inf in ${Q_TENSOR} (head 1)"`)));
  assert.equal(csv.filter((l) => l.startsWith('1,q,')).length, 1 + 1 + 3);
  const text = formatSpectra(r, false);
  assert.match(text, /layer 2 down: 0 NaN, 1 Inf in model\.layers\.2\.mlp\.down_proj\.weight/);
  assert.match(text, /layer 1 q: heads 0, 2, 3 are finite and analysed/);
});

test('diff: the two flagged matrices of B are left out and named with the model; every other pair equals clean vs clean', async () => {
  const opts = { embeddings: false, spectra: false };
  const ref = await runDiff(clean, clean, opts, { engine });
  const r = await runDiff(clean, poisoned, opts, { engine });
  assert.deepEqual(ref.nonFinite, []);
  assert.deepEqual(
    r.nonFinite.map((f) => [f.model, f.layer, f.kind, f.nan, f.posInf, f.summary]),
    [
      ['B', 1, 'q', 2, 0, `2 NaN, 0 Inf in ${Q_TENSOR} (model B)`],
      ['B', 2, 'down', 0, 1, `0 NaN, 1 Inf in ${DOWN_TENSOR} (model B)`],
    ],
  );
  assert.equal(r.entries.length, ref.entries.length - 2);
  for (const e of r.entries)
    assert.deepEqual(
      e,
      ref.entries.find((x) => x.layer === e.layer && x.kind === e.kind),
    );
  assert.deepEqual(
    flaggedCells(r.nonFinite).map((c) => [c.layer, c.kind, c.value, c.note]),
    [
      [1, 'q', null, `2 NaN, 0 Inf in ${Q_TENSOR} (model B)`],
      [2, 'down', null, `0 NaN, 1 Inf in ${DOWN_TENSOR} (model B)`],
    ],
  );
  assert.match(formatDiff(r), /B: layer 1 q: 2 NaN, 0 Inf in model\.layers\.1\.self_attn\.q_proj\.weight \(model B\)/);
});

describe('analyses that run the model', () => {
  const prompts = [
    {
      kind: 'tokens' as const,
      domain: 'x',
      ids: [
        [1, 5, 9, 3],
        [2, 7, 4, 11],
        [6, 6, 1, 8],
      ],
    },
  ];

  test('activation stops before any forward pass and names layers 1 and 2 with the counts', async () => {
    const ok = await runActivationJob(clean, { prompts }, { engine });
    assert.ok(ok.meanAbsActivation.every(Number.isFinite));
    await assert.rejects(runActivationJob(poisoned, { prompts }, { engine }), (err: unknown) => {
      assert.ok(err instanceof NonFiniteWeightsError);
      assert.deepEqual(
        err.flags.map((f) => [f.layer, f.role]),
        [
          [1, 'q'],
          [2, 'down'],
        ],
      );
      assert.match(err.message, /^The activation analysis stopped: the weights of layers 1, 2 hold NaN\/Inf values/);
      assert.match(
        err.message,
        /layer 1 q \(2 NaN, 0 Inf in model\.layers\.1\.self_attn\.q_proj\.weight\); layer 2 down \(0 NaN, 1 Inf in model\.layers\.2\.mlp\.down_proj\.weight\)/,
      );
      return true;
    });
  });

  test('persistence stops the same way', async () => {
    const params = { prompts, k: 2, maxDim: 1 };
    const ok = await runPersistenceJob(clean, params, { engine });
    assert.equal(ok.prompts, 3);
    await assert.rejects(runPersistenceJob(poisoned, params, { engine }), (err: unknown) => {
      assert.ok(err instanceof NonFiniteWeightsError);
      assert.match(err.message, /^The persistence analysis stopped: the weights of layers 1, 2 hold NaN\/Inf/);
      return true;
    });
  });
});
