// Correlations on a mixture-of-experts model: without an expert the MoE layers' MLP
// measures are skipped with a plain note; with `expert` the chosen expert's gate/up/down stand for
// the MLP, and M7/M8 equal a float64 re-computation (reference.ts) from the fixture's source matrices.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine, type Engine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { clearCorrelationsMemoryCache, runCorrelations } from '../../../../../src/analysis/methods/correlations/correlations';
import { parseCorrelationsOptions } from '../../../../../src/analysis/methods/correlations/options';
import { correlationsCli } from '../../../../../src/analysis/methods/correlations/cli';
import { writeMoeFixture, type MoeFixture } from '../../../../fixtures/moeLayouts';
import { refCcIdentity, refMul, refPearson, refT, type RefMat } from './reference';

let root = '';
let engine: Engine;
let fx: MoeFixture;
let model: ModelHandle;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-corr-moe-'));
  engine = await getEngine({ providers: ['cpu'] });
  clearCorrelationsMemoryCache();
  fx = await writeMoeFixture(join(root, 'qwen2_moe'), { arch: 'qwen2_moe' });
  model = await openModel(fx.dir);
});
after(() => rm(root, { recursive: true, force: true }));

const f64 = (m: { rows: number; cols: number; data: Float32Array }): RefMat => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) }) as RefMat;
const close = (got: number | null, want: number, what: string) =>
  assert.ok(got !== null && Math.abs(got - want) <= 1e-9 + 1e-6 * Math.abs(want), `${what}: ${got} vs ${want}`);

test('MoE layers: MLP measures skipped with a note by default; an expert or the shared expert stands for the MLP and M7/M8 equal the float64 reference', async () => {
  const none = await runCorrelations(model, {}, { engine });
  const moeLayers = fx.layers.flatMap((l, i) => (l.experts ? [i] : []));
  assert.ok(moeLayers.length > 0);
  for (const i of moeLayers) {
    const e = none.entries.find((x) => x.layer === i)!;
    assert.ok(Number.isNaN(e.m7.up_downT), `layer ${i}: no MLP measure without an expert`);
    assert.ok(
      e.notes.some((n) => /no MLP measures: a mixture-of-experts layer \(4 experts and a shared one\); choose an expert/.test(n)),
      e.notes.join('\n'),
    );
  }
  for (const expert of [2, 'shared'] as const) {
    const r = await runCorrelations(model, { expert }, { engine });
    assert.deepEqual(r.options, { rcond: null, expert });
    for (const i of moeLayers) {
      const e = r.entries.find((x) => x.layer === i)!;
      assert.equal(e.expert, expert);
      const t = expert === 'shared' ? fx.layers[i]!.shared! : fx.layers[i]!.experts![expert]!;
      const [g, u, d] = [f64(t.gate), f64(t.up), f64(t.down)];
      const what = `layer ${i} expert ${expert}`;
      close(e.m7.gate_up, refPearson(g.data, u.data), `${what} cc(Wg, Wu)`);
      close(e.m7.gate_downT, refPearson(g.data, refT(d).data), `${what} cc(Wg, Wdᵀ)`);
      close(e.m7.up_downT, refPearson(u.data, refT(d).data), `${what} cc(Wu, Wdᵀ)`);
      close(e.m8.down_up, refCcIdentity(refMul(d, u)), `${what} cc(WdWu, I)`);
      close(e.m8.down_gate, refCcIdentity(refMul(d, g)), `${what} cc(WdWg, I)`);
      assert.ok(Number.isFinite(e.m7.pinvUp_down as number), `${what}: pinv measure computed`);
      assert.deepEqual(e.shapes.up, [t.up.rows, t.up.cols]);
    }
  }
  const missing = await runCorrelations(model, { expert: 9 }, { engine });
  assert.match(missing.entries.find((x) => x.layer === moeLayers[0])!.notes.join('\n'), /no MLP measures: this layer has no expert 9/);
});

test('correlations options and CLI: expert is an index or shared', () => {
  assert.deepEqual(parseCorrelationsOptions({ expert: 3 }), { expert: 3 });
  assert.deepEqual(parseCorrelationsOptions({ expert: 'shared' }), { expert: 'shared' });
  for (const bad of [-1, 'all', 1.5]) assert.throws(() => parseCorrelationsOptions({ expert: bad }), /expert/);
  assert.deepEqual((correlationsCli.toOptions({ expert: '3' }) as [Record<string, unknown>])[0].expert, 3);
  assert.equal((correlationsCli.toOptions({ expert: 'shared' }) as [Record<string, unknown>])[0].expert, 'shared');
  assert.throws(() => correlationsCli.toOptions({ expert: 'x' }), /--expert must be an expert index or shared/);
});

test('DeepSeek-V3 (multi-head latent attention): per-head measures are not applicable, for that reason and not for missing head counts; the MLP measures are computed', async () => {
  const ds = await writeMoeFixture(join(root, 'deepseek-mla'), { arch: 'deepseek_v3' });
  const model = await openModel(ds.dir);
  const r = await runCorrelations(model, { expert: 0 }, { engine });
  const heads = r.notApplicable.filter((n) => n.measure.startsWith('M') && Number(n.measure.slice(1)) <= 5);
  assert.ok(heads.length >= 5, JSON.stringify(r.notApplicable));
  for (const n of heads) assert.match(n.reason, /multi-head latent attention has no per-head q, k, v matrices/);
  for (const e of r.entries) {
    assert.deepEqual(e.heads, []);
    assert.ok(
      e.notes.some((n) => n.startsWith('no per-head measures: multi-head latent attention')),
      e.notes.join(' | '),
    );
    assert.ok(Number.isFinite(e.m7.gate_up as number));
  }
});
