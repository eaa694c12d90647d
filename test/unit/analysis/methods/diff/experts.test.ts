// Checkpoint diff of two Mixtral-shaped fixtures (test/fixtures/moeLayouts.ts) where B is A with
// expert 2's up projection of layer 1 perturbed: with an expert selector the chosen expert's
// gate/up/down are compared per layer, the relative change equal to a float64 recomputation from
// the fixture's own matrices, the unchanged experts 0; without one, a note says the experts were
// not compared. Then the CLI's --expert flag, and the option validator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { runDiff } from '../../../../../src/analysis/methods/diff/diff';
import { diffTidyRows } from '../../../../../src/analysis/methods/diff/csv';
import { diffCacheKey } from '../../../../../src/analysis/methods/diff/cache';
import { parseDiffOptions } from '../../../../../src/analysis/methods/diff/options';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { writeMoeFixture, MOE_DIMS, type MoeFixture } from '../../../../fixtures/moeLayouts';
import { roundTrip } from '../../../../fixtures/safetensorsWriter';
import { ensureBuilt, run as runCli } from '../../cli/cliHarness';

const UP_E2_L1 = 'model.layers.1.block_sparse_moe.experts.2.w3.weight';
const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

/** ‖B − A‖_F / ‖A‖_F in float64. */
function relChange64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (b[i] - a[i]) ** 2;
    n += a[i] ** 2;
  }
  return Math.sqrt(d) / Math.sqrt(n);
}

describe('checkpoint diff: mixture-of-experts expert selector', () => {
  let dir: string;
  let fa: MoeFixture;
  let a: ModelHandle;
  let b: ModelHandle;
  let perturbed: Float32Array;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'layer-lens-diff-moe-'));
    fa = await writeMoeFixture(path.join(dir, 'a'), { arch: 'mixtral', seed: 5 });
    await writeMoeFixture(path.join(dir, 'b'), {
      arch: 'mixtral',
      seed: 5,
      mutate: (specs) =>
        specs.map((s) => {
          if (s.name !== UP_E2_L1) return s;
          // BF16-rounded, so the stored bytes hold exactly these values.
          perturbed = roundTrip(
            'BF16',
            Array.from(s.values as ArrayLike<number>, (v, i) => v + 0.02 * Math.sin(i + 1)),
          );
          return { ...s, values: perturbed };
        }),
    });
    a = await openModel(path.join(dir, 'a'));
    b = await openModel(path.join(dir, 'b'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('expert 2: its gate/up/down per layer, the perturbed up matching a float64 recomputation, the rest 0', async () => {
    const r = await runDiff(a, b, { expert: 2, kinds: ['gate', 'up', 'down'], spectra: false }, { engine: await cpu() });
    assert.equal(r.expert, 2);
    assert.equal(r.entries.length, MOE_DIMS.layers * 3);
    for (const e of r.entries) {
      assert.equal(e.expert, 2);
      assert.deepEqual(e.shape, e.kind === 'down' ? [MOE_DIMS.hidden, MOE_DIMS.expertF] : [MOE_DIMS.expertF, MOE_DIMS.hidden]);
    }
    const truthA = fa.layers[1].experts![2].up.data;
    const expected = relChange64(truthA, perturbed);
    assert.ok(expected > 0.01);
    const up = r.entries.find((e) => e.layer === 1 && e.kind === 'up')!;
    assert.ok(Math.abs(up.relChange - expected) <= 1e-6 * expected, `${up.relChange} vs ${expected}`);
    for (const e of r.entries) if (e !== up) assert.equal(e.relChange, 0, `layer ${e.layer} ${e.kind}`);
    assert.equal(r.changedMatrices, 1);
    assert.deepEqual(r.largest && { layer: r.largest.layer, kind: r.largest.kind, expert: r.largest.expert }, { layer: 1, kind: 'up', expert: 2 });
    // The chosen expert's tensors are compared as matrices, not again by name; the other experts still are.
    assert.ok(!r.others.some((o) => o.name === UP_E2_L1));
    assert.ok(r.others.some((o) => o.name === 'model.layers.1.block_sparse_moe.experts.1.w3.weight'));
    assert.ok(!r.report.notes.some((n) => /not compared/.test(n)));
    const tidy = diffTidyRows(r).find((x) => x.layer === 1 && x.metric === 'rel_change' && x.kind === 'up e2');
    assert.ok(tidy);
  });

  test('another expert is unchanged: every relative change is 0', async () => {
    const r = await runDiff(a, b, { expert: 1, kinds: ['up'], docs: false, spectra: false }, { engine: await cpu() });
    assert.equal(r.entries.length, MOE_DIMS.layers);
    for (const e of r.entries) assert.equal(e.relChange, 0);
    assert.equal(r.changedMatrices, 0);
  });

  test('without a selector MoE layers get a note and no expert matrix; attention and the router are still compared', async () => {
    const r = await runDiff(a, b, { docs: false, spectra: false }, { engine: await cpu() });
    assert.ok(r.entries.every((e) => e.expert === undefined && ['q', 'k', 'v', 'o', 'router'].includes(e.kind)));
    assert.equal(r.entries.length, MOE_DIMS.layers * 5);
    // The router is a matrix of its own (layer, kind), not a tensor compared by name.
    assert.deepEqual(
      r.entries.filter((e) => e.kind === 'router').map((e) => [e.layer, e.shape, e.relChange]),
      Array.from({ length: MOE_DIMS.layers }, (_, l) => [l, [MOE_DIMS.experts, MOE_DIMS.hidden], 0]),
    );
    assert.ok(!r.others.some((o) => /block_sparse_moe\.gate\.weight$/.test(o.name)));
    assert.ok(r.report.notes.some((n) => n.includes('layers 0, 1, 2 are mixture-of-experts layers: their experts were not compared as matrices')));
    // By name, the perturbed tensor is still seen changed.
    const byName = r.others.find((o) => o.name === UP_E2_L1)!;
    assert.ok(Math.abs(byName.relChange - relChange64(fa.layers[1].experts![2].up.data, perturbed)) < 1e-6);
  });

  test('all experts: every expert of every layer, only the perturbed one changed; no expert tensor left to compare by name', async () => {
    const r = await runDiff(a, b, { expert: 'all', kinds: ['gate', 'up', 'down'], docs: false, spectra: false }, { engine: await cpu() });
    assert.equal(r.expert, 'all');
    assert.equal(r.entries.length, MOE_DIMS.layers * MOE_DIMS.experts * 3);
    const seen = new Set(r.entries.map((e) => `${e.layer} ${e.kind} ${e.expert}`));
    assert.equal(seen.size, r.entries.length);
    for (let e = 0; e < MOE_DIMS.experts; e++) assert.ok(seen.has(`2 down ${e}`));
    const changed = r.entries.filter((e) => e.relChange !== 0);
    assert.deepEqual(
      changed.map((e) => [e.layer, e.kind, e.expert]),
      [[1, 'up', 2]],
    );
    assert.ok(Math.abs(changed[0].relChange - relChange64(fa.layers[1].experts![2].up.data, perturbed)) <= 1e-6 * changed[0].relChange);
    assert.ok(!r.others.some((o) => /experts\.\d+\.w[123]\.weight$/.test(o.name)), r.others.map((o) => o.name).join(', '));
    assert.deepEqual(parseDiffOptions({ expert: 'all' }), { expert: 'all' });
    assert.notEqual(await diffCacheKey(a, b, { expert: 'all' }), await diffCacheKey(a, b, { expert: 2 }));
  });

  test('a missing expert is reported, and the selector is validated and part of the cache key', async () => {
    await assert.rejects(runDiff(a, b, { expert: 9, kinds: ['up'], embeddings: false }, { engine: await cpu() }), /nothing to compare/);
    const r = await runDiff(a, b, { expert: 9, kinds: ['up'], docs: false, spectra: false }, { engine: await cpu() });
    assert.equal(r.entries.length, 0);
    assert.ok(r.report.notes.some((n) => n.includes('none has expert 9')));
    assert.deepEqual(parseDiffOptions({ expert: 3 }), { expert: 3 });
    assert.deepEqual(parseDiffOptions({ expert: 'shared' }), { expert: 'shared' });
    assert.throws(() => parseDiffOptions({ expert: -1 }), /expert/);
    assert.throws(() => parseDiffOptions({ expert: '2' }), /expert/);
    const k0 = await diffCacheKey(a, b, {});
    const k2 = await diffCacheKey(a, b, { expert: 2 });
    assert.notEqual(k0, k2);
    assert.match(k2, /^v4#/);
  });

  test('CLI --expert', () => {
    ensureBuilt();
    const r = runCli(...['diff', path.join(dir, 'a'), path.join(dir, 'b'), '--expert', '2', '--kind', 'up', '--no-spectra', '--no-docs']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /L1 up e2/);
    assert.match(r.stdout, /largest change: layer 1 up of expert 2/);
    const bad = runCli(...['diff', path.join(dir, 'a'), path.join(dir, 'b'), '--expert', 'x']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--expert: 'x'/);
  });
});
