// The whole-model correlations job on real files: grouped-query slicing on fixtures whose head
// slices are filled with their head index, the numpy oracle (test/oracles/correlations.py) on two
// written fixtures and on the trained stories260K, every architecture of the role map against the
// explicit float64 reference, streaming, cancellation, the cache, options, CSV and the CLI text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { CancelledError } from '../../../../../src/analysis/jobs';
import { runCorrelations, type CorrelationsResult, type LayerCorrelations } from '../../../../../src/analysis/methods/correlations/correlations';
import { clearCorrelationsMemoryCache } from '../../../../../src/analysis/methods/correlations/correlations';
import { correlationsCsv } from '../../../../../src/analysis/methods/correlations/csv';
import { HEAD_MEASURES, M7_MEASURES, M8_MEASURES } from '../../../../../src/analysis/methods/correlations/names';
import { parseCorrelationsOptions, parseHeadValuesQuery } from '../../../../../src/analysis/methods/correlations/options';
import { headValues } from '../../../../../src/analysis/methods/correlations/values';
import { formatCorrelations } from '../../../../../src/analysis/methods/correlations/cli';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { MatrixRole } from '../../../../../src/analysis/model/types';
import { FIXTURE_ARCHS, writeFixtureModel } from '../../../../fixtures/makeModel';
import { randomMatrix } from '../../engine/random';
import { refLayer } from './reference';
import { REPO_ROOT } from '../../../../paths';

const repoRoot = REPO_ROOT;
const stories = path.resolve(repoRoot, 'test', 'fixtures', 'models', 'stories260K');

interface OracleLayer {
  heads: { head: number; kvHead: number; M1: number; M2: number; M3: number; M4: number; M5: number }[];
  m7: Record<string, number | null>;
  m8: Record<string, number | null>;
  matrices?: Record<string, { shape: [number, number]; values: number[] }>;
}
interface OracleModel {
  dims?: { layers: number; hidden: number; heads: number; kvHeads: number; headDim: number; intermediate: number };
  layers: OracleLayer[];
  m6: { slope: number; intercept: number; r: number; n: number };
}
const oracle = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'oracles', 'correlations.json'), 'utf8')) as Record<
  'llama' | 'gpt2' | 'stories260K',
  OracleModel
>;

/** Every value of `got` equals the oracle's within `tol` (pinv-based measures get `pinvTol`); null in the oracle = not applicable = NaN here. */
function assertMatchesOracle(got: CorrelationsResult, want: OracleModel, tol: number, pinvTol: number, what: string): void {
  assert.equal(got.entries.length, want.layers.length, `${what}: layer count`);
  const problems: string[] = [];
  const check = (label: string, v: number, w: number | null, t: number) => {
    if (w === null ? !Number.isNaN(v) : !(Math.abs(v - w) <= t)) problems.push(`${label}: ${v} vs ${w}`);
  };
  got.entries.forEach((e: LayerCorrelations, l) => {
    const o = want.layers[l];
    assert.equal(e.heads.length, o.heads.length);
    e.heads.forEach((h, i) => {
      assert.equal(h.kvHead, o.heads[i].kvHead, `${what} L${l} h${i} kv head`);
      for (const m of HEAD_MEASURES) check(`L${l} h${i} ${m}`, h[m]!, o.heads[i][m], tol);
    });
    for (const m of M7_MEASURES) check(`L${l} M7 ${m}`, e.m7[m]!, o.m7[m], m === 'pinvUp_down' ? pinvTol : tol);
    for (const m of M8_MEASURES) check(`L${l} M8 ${m}`, e.m8[m]!, o.m8[m], m === 'down_pinvUpT' ? pinvTol : tol);
  });
  assert.ok(got.m6, `${what}: M6 missing`);
  check('M6 slope', got.m6!.slope, want.m6.slope, 10 * tol);
  check('M6 intercept', got.m6!.intercept, want.m6.intercept, 10 * tol);
  check('M6 r', got.m6!.r, want.m6.r, 10 * tol);
  assert.equal(got.m6!.n, want.m6.n);
  assert.deepEqual(problems, [], `${what} differs from numpy:\n${problems.join('\n')}`);
}

describe('weight correlations of whole models', () => {
  let dir: string;
  let engine: Engine;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'layer-lens-correlations-'));
    engine = await getEngine({ providers: ['cpu'] });
    clearCorrelationsMemoryCache();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('grouped-query slicing: slices filled with their head index reach the measures with query head h → kv head ⌊h/r⌋', async () => {
    // 8 query heads over 2 kv heads (r = 4), head_dim 2, d = 16. Pattern P_g per kv head g:
    // v slice g = P_g, o's columns of query head h (transposed) = (h + 1)·P_⌊h/r⌋ → M5 = 1 only with the right kv head;
    // k slice g = R_g, q slice h = (h + 1)·R_⌊h/r⌋ → M1 = 1 likewise. Any other mapping gives |cc| ≪ 1.
    const heads = 8,
      kvHeads = 2,
      hd = 2,
      d = 16,
      r = heads / kvHeads;
    const P = [0, 1].map((g) => randomMatrix(hd, d, 100 + g).data),
      R = [0, 1].map((g) => randomMatrix(hd, d, 200 + g).data);
    const matrices = (_l: number, role: MatrixRole, shape: [number, number]) => {
      const out = new Float32Array(shape[0] * shape[1]);
      if (role === 'q')
        for (let h = 0; h < heads; h++)
          out.set(
            R[Math.floor(h / r)].map((x) => (h + 1) * x),
            h * hd * d,
          );
      if (role === 'k') for (let g = 0; g < kvHeads; g++) out.set(R[g], g * hd * d);
      if (role === 'v') for (let g = 0; g < kvHeads; g++) out.set(P[g], g * hd * d);
      if (role === 'o')
        for (let h = 0; h < heads; h++)
          for (let j = 0; j < hd; j++) for (let i = 0; i < d; i++) out[i * heads * hd + h * hd + j] = (h + 1) * P[Math.floor(h / r)][j * d + i];
      return role === 'q' || role === 'k' || role === 'v' || role === 'o' ? out : undefined;
    };
    const gqa = path.join(dir, 'gqa');
    await writeFixtureModel(gqa, {
      arch: 'llama',
      layers: 1,
      hidden: d,
      heads,
      kvHeads,
      headDim: hd,
      intermediate: 12,
      matrices,
      seed: 4,
    });
    const model = await openModel(gqa);
    const res = await runCorrelations(model, {}, { engine });
    const hs = res.entries[0].heads;
    assert.deepEqual(
      hs.map((h) => h.kvHead),
      [0, 0, 0, 0, 1, 1, 1, 1],
    );
    for (const h of hs) {
      assert.ok(Math.abs(h.M1! - 1) < 1e-6, `head ${h.head}: M1 = ${h.M1}`);
      assert.ok(Math.abs(h.M5! - 1) < 1e-6, `head ${h.head}: M5 = ${h.M5}`);
    }
    assert.deepEqual(res.attention, { numHeads: 8, numKvHeads: 2, headDim: 2, groupSize: 4 });

    // The slices themselves: every entry of q head h is h, of k/v kv head g is g, of o head h is h.
    const indexed = (_l: number, role: MatrixRole, shape: [number, number]) => {
      if (role === 'o') return Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.floor((i % shape[1]) / hd));
      if (role === 'q' || role === 'k' || role === 'v') return Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.floor(i / (hd * d)));
      return undefined;
    };
    const filled = path.join(dir, 'filled');
    await writeFixtureModel(filled, {
      arch: 'mistral',
      layers: 1,
      hidden: d,
      heads,
      kvHeads,
      headDim: hd,
      intermediate: 12,
      matrices: indexed,
      seed: 5,
    });
    const fm = await openModel(filled);
    for (let h = 0; h < heads; h++) {
      const g = Math.floor(h / r);
      for (const [measure, x, y] of [
        ['M1', h, g],
        ['M2', h, g],
        ['M3', g, g],
        ['M5', h, g],
      ] as const) {
        const v = await headValues(fm, { layer: 0, head: h, measure });
        assert.equal(v.kvHead, g);
        assert.equal(v.x.length, hd * d);
        assert.ok(v.x.every((e) => e === x) && v.y.every((e) => e === y), `head ${h} ${measure}: x ${v.x[0]} (want ${x}), y ${v.y[0]} (want ${y})`);
      }
    }
    await assert.rejects(headValues(fm, { layer: 0, head: 8, measure: 'M1' }), /head 8 is out of range: the model has 8 query heads/);
  });

  test('numpy oracle: a GQA Llama fixture and a gate-less GPT-2 fixture written to safetensors', async () => {
    for (const arch of ['llama', 'gpt2'] as const) {
      const o = oracle[arch],
        dims = o.dims!;
      const target = path.join(dir, `oracle-${arch}`);
      await writeFixtureModel(target, {
        arch,
        layers: dims.layers,
        hidden: dims.hidden,
        heads: dims.heads,
        kvHeads: dims.kvHeads,
        headDim: dims.headDim,
        intermediate: dims.intermediate,
        seed: 9,
        matrices: (l, role, shape) => {
          const m = o.layers[l].matrices?.[role];
          if (!m) return undefined;
          assert.deepEqual(m.shape, shape, `${arch} ${role} shape`);
          return Float32Array.from(m.values);
        },
      });
      const res = await runCorrelations(await openModel(target), {}, { engine });
      assertMatchesOracle(res, o, 2e-6, 2e-5, arch);
      if (arch === 'gpt2') {
        assert.deepEqual(res.notApplicable.map((n) => n.measure).sort(), ['down_gate', 'gate_downT', 'gate_up']);
        assert.match(res.notApplicable[0].reason, /GPT2LMHeadModel has no gate matrix/);
      } else assert.deepEqual(res.notApplicable, []);
    }
  });

  test('stories260K (trained Llama, 8 query heads over 4 kv heads): every measure equals numpy; streamed, cached, cancellable', async () => {
    const model = await openModel(stories);
    const partials: LayerCorrelations[] = [];
    const progress: number[] = [];
    clearCorrelationsMemoryCache();
    const res = await runCorrelations(model, {}, { engine, onPartial: (e) => partials.push(e), onProgress: (p) => progress.push(p.done) });
    assertMatchesOracle(res, oracle.stories260K, 2e-6, 2e-4, 'stories260K');
    assert.equal(res.cached, 0);
    assert.deepEqual(
      partials.map((p) => p.layer),
      [0, 1, 2, 3, 4],
    );
    assert.equal(progress.at(-1), 10);
    assert.ok(res.entries.every((e) => e.notes.length === 0));
    // Second run: every layer from the cache, same values.
    const again = await runCorrelations(model, { layers: [1, 3] }, { engine });
    assert.equal(again.cached, 2);
    const forced = await runCorrelations(model, { layers: [1, 3] }, { engine, force: true });
    assert.equal(forced.cached, 0, 'force ("Run again") recomputes cached layers');
    assert.deepEqual(
      forced.entries.map((e) => e.heads),
      again.entries.map((e) => e.heads),
    );
    assert.deepEqual(
      again.entries.map((e) => e.heads),
      [res.entries[1].heads, res.entries[3].heads],
    );
    // A disk cache survives a cleared memory.
    const cacheDir = path.join(dir, 'cache');
    clearCorrelationsMemoryCache();
    await runCorrelations(model, { layers: [2] }, { engine, cacheDir });
    clearCorrelationsMemoryCache();
    const fromDisk = await runCorrelations(model, { layers: [2] }, { engine, cacheDir });
    assert.equal(fromDisk.cached, 1);
    assert.deepEqual(fromDisk.entries[0], res.entries[2]);
    // Cancelled before the first layer.
    clearCorrelationsMemoryCache();
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(runCorrelations(model, {}, { engine, signal: abort.signal }), CancelledError);
    // CSV: 40 head rows, 5 layer rows, 1 M6 row; text output names M6's line.
    const csv = correlationsCsv(res).trim().split('\n');
    assert.equal(csv.length, 1 + 40 + 5 + 1);
    assert.match(csv[1], /^head,0,0,0,/);
    assert.match(formatCorrelations(res), /M6: M5 = .* over 40 heads, r = -0\.1056/);
  });

  test('every architecture of the role map (fused qkv, Conv1D, interleaved NeoX, gate_up) matches the explicit reference', async () => {
    for (const arch of FIXTURE_ARCHS) {
      const target = path.join(dir, `arch-${arch}`);
      const gqa = !['gpt2', 'gpt_neox', 'opt'].includes(arch);
      const fx = await writeFixtureModel(target, {
        arch,
        layers: 1,
        hidden: 16,
        heads: 4,
        kvHeads: gqa ? 2 : undefined,
        intermediate: 40,
        seed: 11,
      });
      const model = await openModel(target);
      const res = await runCorrelations(model, {}, { engine });
      const { heads, kvHeads, headDim } = fx.dims;
      const ref = refLayer(fx.source[0], heads, kvHeads, headDim);
      const e = res.entries[0];
      assert.equal(e.heads.length, heads, arch);
      e.heads.forEach((h, i) => {
        assert.equal(h.kvHead, ref.heads[i].kvHead, `${arch} head ${i}`);
        for (const m of HEAD_MEASURES) assert.ok(Math.abs(h[m]! - ref.heads[i][m]!) < 1e-5, `${arch} head ${i} ${m}: ${h[m]} vs ${ref.heads[i][m]}`);
      });
      for (const m of M7_MEASURES)
        assert.ok(Object.is(e.m7[m], ref.m7[m]) || Math.abs(e.m7[m]! - ref.m7[m]!) < 1e-4, `${arch} M7 ${m}: ${e.m7[m]} vs ${ref.m7[m]}`);
      for (const m of M8_MEASURES)
        assert.ok(Object.is(e.m8[m], ref.m8[m]) || Math.abs(e.m8[m]! - ref.m8[m]!) < 1e-4, `${arch} M8 ${m}: ${e.m8[m]} vs ${ref.m8[m]}`);
      assert.equal(res.notApplicable.length, gqa ? 0 : 3, arch);
    }
  });

  test('options from another process are validated with messages a user can act on', async () => {
    assert.deepEqual(parseCorrelationsOptions({ layers: [0, 2], rcond: 1e-6, path: '/x', jobId: 'j' }), {
      layers: [0, 2],
      rcond: 1e-6,
    });
    assert.throws(() => parseCorrelationsOptions({ layers: [] }), /non-empty list of layer indices/);
    assert.throws(() => parseCorrelationsOptions({ rcond: 2 }), /'rcond' must be a number in \[0, 1\)/);
    assert.throws(() => parseCorrelationsOptions('all'), /must be an object/);
    assert.throws(() => parseHeadValuesQuery({ layer: 0, head: 1, measure: 'M9' }), /'measure' must be one of M1, M2, M3, M4, M5/);
    assert.throws(() => parseHeadValuesQuery({ layer: -1, head: 1, measure: 'M1' }), /'layer' must be a layer index/);
    const model = await openModel(stories);
    await assert.rejects(runCorrelations(model, { layers: [7] }, { engine }), /layer 7 does not exist: the model has layers 0–4/);
  });
});
