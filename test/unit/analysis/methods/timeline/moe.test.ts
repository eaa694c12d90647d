// The timeline of a mixture-of-experts run (two Mixtral-shaped checkpoints, test/fixtures/moeLayouts.ts):
// one expert's drift equals ‖A_e − B_e‖/‖B_e‖ of the matrices the fixture wrote, 'all' experts
// together equals the stacked form √(Σ_e‖Δ_e‖²)/√(Σ_e‖W_e‖²), their α is the mean of the spectra
// analysis's α over the experts, and without an expert the MoE layers have attention values only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { runSpectra } from '../../../../../src/analysis/methods/spectra/spectra';
import { runTimeline } from '../../../../../src/analysis/methods/timeline/timeline';
import { parseTimelineOptions } from '../../../../../src/analysis/methods/timeline/options';
import { timelineTidyRows } from '../../../../../src/analysis/methods/timeline/csv';
import type { TimelineResult } from '../../../../../src/analysis/methods/timeline/names';
import { writeMoeFixture, MOE_DIMS, type MoeFixture } from '../../../../fixtures/moeLayouts';

let root = '';
let engine: Engine;
const fx: MoeFixture[] = [];
const refs = [
  { path: '', step: 0 },
  { path: '', step: 10 },
];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-timeline-moe-'));
  engine = await getEngine({ providers: ['cpu'], threads: 1 });
  for (const [i, seed] of [3, 4].entries()) {
    const f = await writeMoeFixture(join(root, `checkpoint-${refs[i].step}`), { arch: 'mixtral', seed });
    await writeFile(join(f.dir, 'trainer_state.json'), JSON.stringify({ global_step: refs[i].step }));
    fx.push(f);
    refs[i].path = f.dir;
  }
});
after(() => rm(root, { recursive: true, force: true }));

const run = async (options: Record<string, unknown>): Promise<TimelineResult> =>
  runTimeline(await openModel(refs[0].path), parseTimelineOptions({ checkpoints: refs, ...options }), { engine });

function sums(a: Float32Array, b: Float32Array): [number, number] {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return [d, n];
}

test('one expert: its drift against the matrices the fixture wrote; the rows name the expert', async () => {
  const r = await run({ expert: 2, kinds: ['q', 'up'], metrics: ['drift_first', 'alpha'] });
  const later = r.checkpoints[1];
  for (let layer = 0; layer < MOE_DIMS.layers; layer++) {
    const [d, n] = sums(fx[1].layers[layer].experts![2].up.data, fx[0].layers[layer].experts![2].up.data);
    const got = later.values.find((v) => v.layer === layer && v.kind === 'up' && v.metric === 'drift_first');
    assert.equal(got?.expert, 2);
    assert.ok(Math.abs(got!.value! - Math.sqrt(d / n)) < 1e-12, `layer ${layer}: ${got?.value} vs ${Math.sqrt(d / n)}`);
    assert.ok(later.values.some((v) => v.layer === layer && v.kind === 'q' && v.expert === undefined));
  }
  const rows = timelineTidyRows(r).filter((x) => x.kind === 'up');
  assert.ok(rows.length > 0 && rows.every((x) => x.expert === 2));
  assert.ok(
    timelineTidyRows(r)
      .filter((x) => x.kind === 'q')
      .every((x) => x.expert === null),
  );
});

test("'all' experts: the stacked drift and the mean of the spectra analysis's α over the experts", async () => {
  const r = await run({ expert: 'all', kinds: ['down'], metrics: ['drift_first', 'cos_first', 'alpha'] });
  const later = r.checkpoints[1];
  const spectra = await runSpectra(await openModel(refs[1].path), { kinds: ['down'], experts: 'all' }, { engine });
  for (let layer = 0; layer < MOE_DIMS.layers; layer++) {
    let d = 0,
      n = 0,
      aa = 0,
      ab = 0;
    for (let e = 0; e < MOE_DIMS.experts; e++) {
      const a = fx[1].layers[layer].experts![e].down.data,
        b = fx[0].layers[layer].experts![e].down.data;
      const [de, ne] = sums(a, b);
      d += de;
      n += ne;
      for (let i = 0; i < a.length; i++) {
        aa += a[i] * a[i];
        ab += a[i] * b[i];
      }
    }
    const at = (metric: string) => later.values.find((v) => v.layer === layer && v.kind === 'down' && v.metric === metric);
    assert.equal(at('drift_first')?.expert, 'all');
    assert.ok(Math.abs(at('drift_first')!.value! - Math.sqrt(d / n)) < 1e-12);
    assert.ok(Math.abs(at('cos_first')!.value! - ab / Math.sqrt(aa * n)) < 1e-12);
    const alphas = spectra.entries.filter((e) => e.layer === layer && typeof e.expert === 'number').map((e) => e.spectrum.metrics.alpha.alpha);
    assert.equal(alphas.length, MOE_DIMS.experts);
    const finite = alphas.filter((x) => Number.isFinite(x));
    const want = finite.length ? finite.reduce((x, y) => x + y, 0) / finite.length : null;
    // The timeline takes singular values without vectors when ks_mean_p is not asked for: equal to rounding.
    const got = at('alpha')?.value ?? null;
    assert.ok(got === want || (got !== null && want !== null && Math.abs(got - want) <= 1e-12 * Math.abs(want)), `layer ${layer}: ${got} vs ${want}`);
  }
});

test('without an expert, mixture-of-experts layers have attention values only, with a note', async () => {
  const r = await run({ kinds: ['k', 'gate'], metrics: ['drift_prev', 'alpha'] });
  const later = r.checkpoints[1];
  assert.ok(later.values.some((v) => v.kind === 'k'));
  assert.ok(!later.values.some((v) => v.kind === 'gate'));
  assert.ok(later.notes.some((n) => /mixture-of-experts/.test(n)));
});
