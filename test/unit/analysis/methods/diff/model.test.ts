// Checkpoint diffs of whole fixture models whose differences are known exactly: a planted rank-4
// update in layer 3's q (plus two edited embedding rows), an identical copy in another folder and
// sharded, a BF16 cast of the F32 weights, and models of other architectures and sizes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { CancelledError } from '../../../../../src/analysis/jobs';
import { runDiff, type DiffResult } from '../../../../../src/analysis/methods/diff/diff';
import { diffCsv, DIFF_CSV_COLUMNS } from '../../../../../src/analysis/methods/diff/csv';
import type { MatrixDiff } from '../../../../../src/analysis/methods/diff/matrix';
import { parseDiffOptions } from '../../../../../src/analysis/methods/diff/options';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { writeFixtureModel, type FixtureModel } from '../../../../fixtures/makeModel';
import { assertClose } from '../../stats/oracle';
import { copyModel, lowRank } from './helpers';
import { REPO_ROOT } from '../../../../paths';

const repo = REPO_ROOT;
const TOKENIZER = readFileSync(path.join(repo, 'media', 'sample-model', 'tokenizer.json'), 'utf8');
const Q3 = 'model.layers.3.self_attn.q_proj.weight';
const EMBED = 'model.embed_tokens.weight';
const HIDDEN = 32;
const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

describe('checkpoint diff of fixture models', () => {
  let dir: string;
  let fixture: FixtureModel;
  let base: ModelHandle;
  const open = async (sub: string, make: (d: string) => Promise<unknown>) => {
    const d = path.join(dir, sub);
    await make(d);
    return openModel(d);
  };
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'layer-lens-diff-'));
    fixture = await writeFixtureModel(path.join(dir, 'base'), {
      arch: 'llama',
      layers: 4,
      hidden: HIDDEN,
      heads: 4,
      kvHeads: 2,
      intermediate: 48,
      vocab: 259,
      seed: 5,
    });
    base = await openModel(fixture.dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a rank-4 update planted in layer 3 q: exactly that matrix changes, with effective and stable rank ≈ 4; moved tokens are named', async () => {
    const update = lowRank(HIDDEN, HIDDEN, [0.5, 0.5, 0.5, 0.5], 21);
    const moved = new Map([
      [65, 0.3],
      [200, 0.1],
    ]); // token id → added to every entry of its row
    const tuned = await open('tuned', (d) =>
      copyModel(fixture, d, {
        files: { 'tokenizer.json': TOKENIZER },
        edit: (name, v) => {
          if (name === Q3) return v.map((x, i) => x + update[i]);
          if (name === EMBED) return v.map((x, i) => x + (moved.get(Math.floor(i / HIDDEN)) ?? 0));
          return undefined;
        },
      }),
    );
    const partials: MatrixDiff[] = [];
    const r = await runDiff(base, tuned, {}, { engine: await cpu(), onPartial: (e) => partials.push(e) });
    assert.equal(partials.length, 4 * 7);
    assert.equal(r.entries.length, 28);
    assert.deepEqual(r.report.unmatched, []);
    assert.equal(r.changedMatrices, 1);
    assert.deepEqual([r.largest?.layer, r.largest?.kind], [3, 'q']);
    for (const e of r.entries) {
      if (e.layer === 3 && e.kind === 'q') continue;
      assert.equal(e.normDelta, 0, `layer ${e.layer} ${e.kind} changed`);
      assert.equal(e.docs, 1);
    }
    const q = r.entries.find((e) => e.layer === 3 && e.kind === 'q')!;
    // ‖Σ 0.5·uᵢvᵢᵀ‖_F = √(4 · 0.25) = 1 for orthonormal u, v.
    const normA = Math.hypot(...fixture.source[3].q!.data);
    assertClose(q.relChange, 1 / normA, 1e-6, 0, '‖Δ‖/‖A‖ of layer 3 q');
    assertClose(q.delta.effectiveRank, 4, 5e-3, 0, 'effective rank of the planted delta');
    assertClose(q.delta.stableRank, 4, 1e-4, 0, 'stable rank of the planted delta');
    assert.ok(q.delta.singularValues[4] < 1e-5 && q.delta.singularValues[3] > 0.49, `σ of Δ: ${q.delta.singularValues.slice(0, 6)}`);
    assert.ok(q.docs! < 1);

    const embed = r.embeddings.find((m) => m.role === 'embed')!;
    const lmHead = r.embeddings.find((m) => m.role === 'lm_head')!;
    assert.equal(embed.changedRows, 2);
    assert.deepEqual(
      embed.top.map((t) => t.id),
      [65, 200],
    );
    const rowA = (id: number) => fixture.tensors.get(EMBED)!.values.subarray(id * HIDDEN, (id + 1) * HIDDEN);
    // Adding c to each of 32 entries moves the row by c·√32.
    assertClose(embed.top[0].change, (0.3 * Math.sqrt(HIDDEN)) / Math.hypot(...rowA(65)), 1e-5, 0, 'row change of token 65');
    const vocab = (JSON.parse(TOKENIZER) as { model: { vocab: Record<string, number> } }).model.vocab;
    const textOf = (id: number) => Object.entries(vocab).find(([, v]) => v === id)?.[0];
    assert.deepEqual(
      embed.top.map((t) => t.token),
      [textOf(65), textOf(200)],
    );
    assert.equal(lmHead.changedRows, 0);
    assert.equal(lmHead.relChange, 0);
    assert.ok(r.others.length >= 9 && r.others.every((o) => o.relChange === 0), 'norms are unchanged');
    const csv = diffCsv(r).trim().split('\n');
    assert.equal(csv[0], DIFF_CSV_COLUMNS.join(','));
    assert.equal(csv.length, 1 + 28 + 2 + r.others.length);
  });

  test('an identical copy in another folder, sharded: zero delta everywhere', async () => {
    const copy = await open('copy', (d) => copyModel(fixture, d, { shards: 3 }));
    assert.equal(copy.files.length, 3);
    const r = await runDiff(base, copy, {}, { engine: await cpu() });
    assert.equal(r.changedMatrices, 0);
    for (const e of r.entries) {
      assert.deepEqual(
        [e.normDelta, e.relChange, e.maxAbsDelta, e.docs, e.delta.stableRank, e.delta.effectiveRank],
        [0, 0, 0, 1, 0, 0],
        `layer ${e.layer} ${e.kind}`,
      );
      assertClose(e.cosine, 1, 1e-15, 0, `cosine of layer ${e.layer} ${e.kind} with itself`);
      assert.ok(e.delta.singularValues.every((s) => s === 0));
      assert.deepEqual(
        Object.values(e.change!),
        [0, 0, 0, 0].map((_, i) => (i === 3 && !Number.isFinite(e.a!.alpha) ? NaN : 0)),
      );
    }
    assert.ok(r.embeddings.every((m) => m.changedRows === 0 && m.relChange === 0 && m.top.length === 0));
    assert.ok(r.others.every((o) => o.relChange === 0));
  });

  test('a BF16 cast of the F32 weights: every delta at the rounding level, |Δ| ≤ 2^-8·|A| entry by entry', async () => {
    const cast = await open('bf16', (d) => copyModel(fixture, d, { dtype: 'BF16' }));
    const r = await runDiff(base, cast, {}, { engine: await cpu() });
    assert.match(r.report.notes.join(' '), /dtypes differ \(F32 in A, BF16 in B\)/);
    for (const e of r.entries) {
      const what = `layer ${e.layer} ${e.kind}`;
      assert.equal(e.dtypeB, 'BF16');
      // Round-to-nearest to 8 significant bits: relative error ≤ 2^-8 per entry, hence in norm too;
      // uniform rounding errors give ≈ 2^-8/√3·(mean ulp share) ≈ 2^-10 in norm, far above 2^-12.
      assert.ok(e.maxEntryRelChange <= 2 ** -8, `${what}: max entry change ${e.maxEntryRelChange}`);
      assert.ok(e.relChange <= 2 ** -8 && e.relChange > 2 ** -12, `${what}: relative change ${e.relChange}`);
      assert.ok(1 - e.cosine <= 2 ** -16, `${what}: 1 − cos = ${1 - e.cosine}`);
      assert.ok(e.docs! > 0.999, `${what}: DOCS ${e.docs}`);
      // Rounding noise is full-rank, unlike a fine-tune's low-rank update.
      assert.ok(e.delta.effectiveRank > 0.5 * Math.min(...e.shape), `${what}: effective rank ${e.delta.effectiveRank}`);
    }
    for (const m of r.embeddings) assert.ok(m.relChange <= 2 ** -8 && m.maxRowChange <= 2 ** -8, `${m.role}: ${m.relChange}`);
  });

  test('another architecture: matrices paired by role and layer, everything else reported with the reason', async () => {
    const gpt2 = await open('gpt2', (d) => writeFixtureModel(d, { arch: 'gpt2', layers: 3, hidden: HIDDEN, heads: 4, intermediate: 48, vocab: 259, seed: 6 }));
    const r = await runDiff(base, gpt2, { docs: false, spectra: false }, { engine: await cpu() });
    const rep = r.report;
    assert.deepEqual([rep.architectureA, rep.architectureB, rep.layersA, rep.layersB], ['llama', 'gpt2', 4, 3]);
    // q, o, up, down have the same [out, in] in both; k and v are [16, 32] under GQA in A, [32, 32] in B.
    assert.deepEqual([...new Set(r.entries.map((e) => e.kind))], ['q', 'o', 'up', 'down']);
    assert.equal(r.entries.length, 12);
    const why = (what: string) => rep.unmatched.find((u) => u.what === what)?.reason;
    assert.equal(why('layer 0 k'), 'shapes differ: [16, 32] in A, [32, 32] in B');
    assert.equal(why('layer 1 gate'), 'only in A');
    assert.equal(why('layer 3 q'), 'only in A');
    assert.equal(why('lm_head'), 'only in A (B probably ties lm_head to the embeddings)');
    assert.equal(why('model.norm.weight'), 'only in A');
    assert.equal(why('h.0.ln_1.weight'), 'only in B');
    assert.match(rep.notes.join(' '), /architectures differ \(llama in A, gpt2 in B\)/);
    assert.ok(r.entries.every((e) => e.docs === null && e.change === null));
  });

  test('models with nothing in common are refused with the pairing report; options are validated', async () => {
    const small = await open('small', (d) => writeFixtureModel(d, { arch: 'llama', layers: 2, hidden: 16, heads: 4, intermediate: 24, vocab: 259 }));
    await assert.rejects(
      runDiff(base, small, {}, { engine: await cpu() }),
      /nothing to compare: A \(llama, 4 layers\) and B \(llama, 2 layers\).*layer 0 q \(shapes differ: \[32, 32\] in A, \[16, 16\] in B\)/,
    );
    await assert.rejects(runDiff(base, base, { layers: [7] }), /layer 7 exists in neither model/);
    assert.throws(() => parseDiffOptions({ kinds: ['qkv'] }), /'kinds' must be a non-empty list/);
    assert.throws(() => parseDiffOptions({ topTokens: 2.5 }), /'topTokens' must be an integer from 0 to 1000/);
    assert.throws(() => parseDiffOptions({ docs: 'yes' }), /'docs' must be true or false/);
    assert.deepEqual(parseDiffOptions({ layers: [1], kinds: ['v'], spectra: false }), { layers: [1], kinds: ['v'], spectra: false });
  });

  test('a layer/kind subset runs only those pairs; cancelling stops between pairs', async () => {
    const r: DiffResult = await runDiff(base, base, { layers: [2, 3], kinds: ['down'], embeddings: false }, { engine: await cpu() });
    assert.deepEqual(
      r.entries.map((e) => [e.layer, e.kind]),
      [
        [2, 'down'],
        [3, 'down'],
      ],
    );
    assert.deepEqual(r.embeddings, []);
    const abort = new AbortController();
    const seen: MatrixDiff[] = [];
    await assert.rejects(
      runDiff(
        base,
        base,
        {},
        {
          engine: await cpu(),
          signal: abort.signal,
          onPartial: (e) => {
            seen.push(e);
            abort.abort();
          },
        },
      ),
      (err: unknown) => err instanceof CancelledError,
    );
    assert.equal(seen.length, 1);
  });
});
