// Weights over depth (src/analysis/model/depthStats.ts): ‖W‖_F, σ and max |w| per layer and kind
// equal a direct float64 computation on the matrices the fixture wrote (fused GPT-2 qkv, Llama,
// mixture-of-experts with routed experts folded and the shared expert apart, FP8 block scales);
// NaN/Inf entries are counted and left out; cancellation stops the job.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { depthStats, mergeChunk } from '../../../../src/analysis/model/depthStats';
import { openModel } from '../../../../src/analysis/model/openModel';
import { CancelledError } from '../../../../src/analysis/jobs';
import { writeFixtureModel } from '../../../fixtures/makeModel';
import { writeMoeFixture } from '../../../fixtures/moeLayouts';

interface Mat {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** ‖W‖_F, population σ and max |w| in float64, two-pass, finite entries only. */
function direct(m: Mat): { frobenius: number; std: number; maxAbs: number; nonFinite: number } {
  const xs = Array.from(m.data).filter((x) => Number.isFinite(x));
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  return {
    frobenius: Math.sqrt(xs.reduce((a, x) => a + x * x, 0)),
    std: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length),
    maxAbs: Math.max(...xs.map(Math.abs)),
    nonFinite: m.data.length - xs.length,
  };
}

const close = (got: number | null, want: number, what: string) =>
  assert.ok(got !== null && Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

let root = '';
test.before(() => {
  root = mkdtempSync(join(tmpdir(), 'll-depth-'));
});
test.after(() => rmSync(root, { recursive: true, force: true }));

test('chunked moments merge to the two-pass values', () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => 1e3 + Math.sin(i) * (i % 7));
  let acc = { count: 0, nonFinite: 0, mean: 0, m2: 0, sumSquares: 0, maxAbs: 0 };
  for (let i = 0; i < values.length; i += 37) acc = mergeChunk(acc, values.subarray(i, i + 37));
  const want = direct({ rows: 1, cols: values.length, data: Float32Array.from(values) });
  const mean = values.reduce((a, x) => a + x, 0) / values.length;
  const m2 = values.reduce((a, x) => a + (x - mean) ** 2, 0);
  assert.ok(Math.abs(acc.m2 / m2 - 1) < 1e-10);
  assert.ok(Math.abs(acc.maxAbs - Math.max(...values.map(Math.abs))) === 0);
  assert.equal(acc.count, 1000);
  assert.ok(want.frobenius > 0);
});

for (const arch of ['llama', 'gpt2'] as const)
  test(`${arch}: every layer × kind equals the float64 statistics of the stored matrix`, async () => {
    const fx = await writeFixtureModel(join(root, arch), {
      arch,
      layers: 3,
      // One NaN and one Inf in layer 1's up: counted, left out of the statistics.
      matrices: (layer, role, shape) => {
        if (layer !== 1 || role !== 'up') return undefined;
        const m = Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => Math.cos(i) * 0.1);
        m[3] = NaN;
        m[7] = -Infinity;
        return m;
      },
    });
    const model = await openModel(fx.dir);
    const progress: number[] = [];
    const r = await depthStats(model, { onProgress: (p) => progress.push(p.done) });
    // Llama has 7 matrices a layer, GPT-2 6 (no gate).
    assert.equal(
      r.rows.length,
      fx.source.reduce((a, l) => a + Object.keys(l).length, 0),
    );
    for (let layer = 0; layer < 3; layer++)
      for (const [role, m] of Object.entries(fx.source[layer]!)) {
        const row = r.rows.find((x) => x.layer === layer && x.kind === role);
        assert.ok(row, `layer ${layer} ${role}`);
        const want = direct(m as Mat);
        close(row.frobenius, want.frobenius, `${arch} L${layer} ${role} ‖W‖`);
        close(row.std, want.std, `${arch} L${layer} ${role} σ`);
        assert.equal(row.maxAbs, want.maxAbs);
        assert.equal(row.nonFinite, want.nonFinite);
        assert.equal(row.experts, 0);
      }
    assert.equal(r.rows.find((x) => x.layer === 1 && x.kind === 'up')!.nonFinite, 2);
    assert.equal(progress.at(-1), r.matrices);
  });

for (const arch of ['qwen2_moe', 'deepseek_v3_fp8'] as const)
  test(`${arch}: routed experts folded (mean ‖W‖_F and σ, max of max |w|), the shared expert its own row`, async () => {
    const fx = await writeMoeFixture(join(root, arch), { arch });
    const model = await openModel(fx.dir);
    const r = await depthStats(model);
    let checked = 0;
    fx.layers.forEach((truth, layer) => {
      for (const [kind, m] of Object.entries({ ...truth.roles, ...truth.extra })) {
        const row = r.rows.find((x) => x.layer === layer && x.kind === kind)!;
        assert.ok(row, `L${layer} ${kind}`);
        const want = direct(m as Mat);
        close(row.frobenius, want.frobenius, `L${layer} ${kind}`);
        assert.equal(row.maxAbs, want.maxAbs);
        checked++;
      }
      if (truth.experts)
        for (const kind of ['gate', 'up', 'down'] as const) {
          const row = r.rows.find((x) => x.layer === layer && x.kind === kind)!;
          const each: ReturnType<typeof direct>[] = truth.experts.map((e) => direct(e[kind] as Mat));
          assert.equal(row.experts, truth.experts.length);
          close(row.frobenius, each.reduce((a, s) => a + s.frobenius, 0) / each.length, `L${layer} ${kind} mean ‖W‖`);
          close(row.std, each.reduce((a, s) => a + s.std, 0) / each.length, `L${layer} ${kind} mean σ`);
          assert.equal(row.maxAbs, Math.max(...each.map((s) => s.maxAbs)));
          checked++;
        }
      if (truth.shared)
        for (const kind of ['gate', 'up', 'down'] as const) {
          const row = r.rows.find((x) => x.layer === layer && x.kind === `${kind} shared`)!;
          close(row.frobenius, direct(truth.shared[kind] as Mat).frobenius, `L${layer} ${kind} shared`);
          assert.equal(row.experts, 0);
          checked++;
        }
    });
    assert.ok(checked > 10, `${checked} rows checked`);
    assert.ok(r.rows.every((x) => x.error === undefined));
  });

test('cancellation stops the job with CancelledError', async () => {
  const fx = await writeFixtureModel(join(root, 'cancel'), { arch: 'llama', layers: 2 });
  const model = await openModel(fx.dir);
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(depthStats(model, { signal: abort.signal }), CancelledError);
});

test('a file damaged after opening: each unreadable matrix is a row with its reason naming the tensor, nothing thrown', async () => {
  const fx = await writeFixtureModel(join(root, 'damaged'), { arch: 'llama', layers: 2 });
  const model = await openModel(fx.dir);
  const file = fx.files[0]!;
  const { size } = statSync(file);
  truncateSync(file, size - 64);
  const r = await depthStats(model);
  assert.equal(r.rows.length, 14);
  const bad = r.rows.filter((x) => x.error);
  assert.ok(bad.length > 0);
  for (const row of bad) {
    assert.equal(row.frobenius, null);
    assert.match(row.error!, new RegExp(`layer ${row.layer} ${row.kind} \\('model\\.layers\\.${row.layer}\\.`));
  }
});
