// Checkpoint diff of the extra matrix kinds (the MoE router, DeepSeek's MLA factors q_a, q_b, kv_a,
// kv_b), paired by (layer, kind) like the seven roles rather than by tensor name:
// - a DeepSeek-V3 GGUF (test/fixtures/ggufDeepseek.ts, written as convert_hf_to_gguf.py does) against
//   its safetensors original: F32 pairs every router and MLA factor with Δ = 0; Q8_0 with the
//   relative change a float64 recomputation from the fixture's own Q8_0 round trip gives (the
//   router stays F32 in such files, so its Δ is 0); none of their tensors is left "only in A/B";
// - a GGUF with kv_b split into attn_k_b / attn_v_b against an older one with attn_kv_b: kv_b pairs
//   with Δ = 0 and nothing is left unpaired;
// - a router on one side only is listed unmatched as `layer N router`, not by tensor name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { runDiff } from '../../../../../src/analysis/methods/diff/diff';
import { planDiff } from '../../../../../src/analysis/methods/diff/plan';
import { diffCsv, diffTidyRows } from '../../../../../src/analysis/methods/diff/csv';
import { formatDiff } from '../../../../../src/analysis/methods/diff/cli';
import type { MatrixDiff } from '../../../../../src/analysis/methods/diff/matrix';
import { parseDiffOptions } from '../../../../../src/analysis/methods/diff/options';
import { openModel } from '../../../../../src/analysis/model/openModel';
import type { ModelHandle } from '../../../../../src/analysis/model/types';
import { decodedWeights, writeGgufDeepseek, type DeepseekGgufOptions } from '../../../../fixtures/ggufDeepseek';
import { q8Case, writeSafetensorsDeepseek, type DeepseekCase } from '../../model/gguf/ggufDeepseekModels';
import { writeMoeFixture } from '../../../../fixtures/moeLayouts';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

/** The Hugging Face tensor each extra kind of layer `l` is (q8Case: layer 0 dense, 1 and 2 MoE). */
function hfName(l: number, kind: string): string {
  const p = `model.layers.${l}.`;
  return {
    router: p + 'mlp.gate.weight',
    q_a: p + 'self_attn.q_a_proj.weight',
    q_b: p + 'self_attn.q_b_proj.weight',
    kv_a: p + 'self_attn.kv_a_proj_with_mqa.weight',
    kv_b: p + 'self_attn.kv_b_proj.weight',
  }[kind]!;
}
const EXPECTED = [0, 1, 2].flatMap((l) => [...(l === 0 ? [] : ['router']), 'q_a', 'q_b', 'kv_a', 'kv_b'].map((k) => `${l} ${k}`)).sort();

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

/** The stored tensors behind every router and MLA factor of a model (a rebuilt kv_b's two included). */
function extraTensors(m: ModelHandle): Set<string> {
  const out = new Set<string>();
  for (const l of m.layers)
    for (const ref of Object.values(l.extra ?? {})) {
      out.add(ref.source.tensor);
      if (ref.source.mlaKvB) out.add(ref.source.mlaKvB.vb);
    }
  return out;
}

describe('checkpoint diff: router and MLA factors paired by layer and kind', () => {
  let dir: string;
  let c: DeepseekCase;
  let st: ModelHandle;
  const gguf = async (name: string, opts: DeepseekGgufOptions) => openModel(writeGgufDeepseek(join(dir, `${name}.gguf`), c.config, c.weights, opts));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'layer-lens-diff-extra-'));
    c = q8Case(3);
    st = await openModel(await writeSafetensorsDeepseek(join(dir, 'st'), c.config, c.weights));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The extra-kind entries of a diff, keyed `layer kind`. */
  const extraEntries = (entries: MatrixDiff[]) => entries.filter((e) => ['router', 'q_a', 'q_b', 'kv_a', 'kv_b'].includes(e.kind) && e.expert === undefined);

  test('F32 GGUF against its safetensors original: every router and MLA factor paired, Δ = 0, in every output', async () => {
    const g = await gguf('f32', { layout: 'split' });
    const r = await runDiff(st, g, {}, { engine: await cpu() });
    const extras = extraEntries(r.entries);
    assert.deepEqual(extras.map((e) => `${e.layer} ${e.kind}`).sort(), EXPECTED);
    for (const e of extras) {
      const hf = c.weights.get(hfName(e.layer, e.kind))!;
      assert.deepEqual(e.shape, hf.shape, `${e.layer} ${e.kind}`);
      assert.equal(e.normDelta, 0, `${e.layer} ${e.kind}`);
      assert.equal(e.relChange, 0);
      assert.equal(e.docs, 1);
      assert.ok(e.a && e.b && e.change, 'spectra of both sides');
      assert.equal(e.change.stableRank, 0);
      assert.ok(e.delta.singularValues.every((s) => s === 0));
    }
    assert.deepEqual(r.kinds, ['o', 'gate', 'up', 'down', 'router', 'q_a', 'q_b', 'kv_a', 'kv_b']);
    // None of their tensors is left to the by-name comparison on either side.
    // Per layer q_a, q_b, kv_a and kv_b (in the GGUF attn_k_b and attn_v_b), and the two routers.
    assert.equal(extraTensors(st).size, 3 * 4 + 2);
    assert.equal(extraTensors(g).size, 3 * 5 + 2);
    const gone = new Set([...extraTensors(st), ...extraTensors(g)]);
    for (const u of r.report.unmatched) assert.ok(!gone.has(u.what), `${u.what} (${u.reason})`);
    for (const o of r.others) assert.ok(!gone.has(o.name), o.name);
    assert.ok(
      !r.report.unmatched.some((u) =>
        /attn_(q_a|q_b|kv_a_mqa|k_b|v_b)\.weight|ffn_gate_inp|q_a_proj|q_b_proj|kv_a_proj|kv_b_proj|mlp\.gate\.weight/.test(u.what),
      ),
    );
    // The plan names both tensors of the rebuilt kv_b and their storage.
    const kv = planDiff(st, g).matrices.find((p) => p.layer === 1 && p.kind === 'kv_b')!;
    assert.equal(kv.tensorA, 'model.layers.1.self_attn.kv_b_proj.weight');
    assert.equal(kv.tensorB, 'blk.1.attn_k_b.weight + blk.1.attn_v_b.weight');
    assert.deepEqual([kv.dtypeA, kv.dtypeB], ['F32', 'F32']);
    // The text table, the wide CSV and the tidy rows carry them like any matrix.
    assert.match(formatDiff(r), /^L2 kv_a /m);
    assert.match(formatDiff(r), /^L1 router /m);
    assert.match(diffCsv(r), /^1,kv_b,,/m);
    const tidy = diffTidyRows(r).filter((x) => x.kind === 'q_b' && x.metric === 'rel_change');
    assert.deepEqual(
      tidy.map((x) => [x.layer, x.value]),
      [
        [0, 0],
        [1, 0],
        [2, 0],
      ],
    );
  });

  test('Q8_0 GGUF: each MLA factor changed by exactly the Q8_0 rounding (float64 recomputation); the F32 router by 0', async () => {
    const g = await gguf('q8', { layout: 'split', q8: true });
    const want = decodedWeights(c.config, c.weights, { layout: 'split', q8: true });
    const r = await runDiff(st, g, { docs: false, spectra: false, embeddings: false }, { engine: await cpu() });
    const extras = extraEntries(r.entries);
    assert.deepEqual(extras.map((e) => `${e.layer} ${e.kind}`).sort(), EXPECTED);
    for (const e of extras) {
      const name = hfName(e.layer, e.kind);
      const expected = relChange64(c.weights.get(name)!.data, want.get(name)!.data);
      if (e.kind === 'router') {
        assert.equal(expected, 0);
        assert.equal(e.relChange, 0, `${e.layer} router`);
        assert.deepEqual([e.dtypeA, e.dtypeB], ['F32', 'F32']);
        continue;
      }
      assert.ok(expected > 1e-4 && expected < 0.02, `${e.layer} ${e.kind}: Q8_0 rounding ${expected}`);
      assert.ok(Math.abs(e.relChange - expected) <= 1e-5 * expected, `${e.layer} ${e.kind}: ${e.relChange} vs ${expected}`);
      assert.deepEqual([e.dtypeA, e.dtypeB], ['F32', 'Q8_0']);
    }
  });

  test('split attn_k_b / attn_v_b against an older attn_kv_b file: kv_b paired with Δ = 0, nothing unpaired', async () => {
    const split = await gguf('split', { layout: 'split' });
    const older = await gguf('older', { layout: 'kv_b' });
    const r = await runDiff(older, split, { kinds: ['kv_b'], docs: false, spectra: false, embeddings: false }, { engine: await cpu() });
    assert.deepEqual(
      r.entries.map((e) => [e.layer, e.kind, e.normDelta]),
      [
        [0, 'kv_b', 0],
        [1, 'kv_b', 0],
        [2, 'kv_b', 0],
      ],
    );
    assert.deepEqual(r.report.unmatched, []);
    assert.ok(!r.others.some((o) => /attn_(k_b|v_b|kv_b)/.test(o.name)));
  });

  test('a router on one side only is listed unmatched by layer and kind, with the reason; kinds are validated', async () => {
    const w = new Map(c.weights);
    w.delete(hfName(2, 'router'));
    const noRouter = await openModel(await writeSafetensorsDeepseek(join(dir, 'st-no-router'), c.config, w));
    assert.equal(noRouter.layers[2].extra?.router, undefined);
    const E = c.config.n_routed_experts,
      D = c.config.hidden_size;
    for (const [a, b, side] of [
      [st, noRouter, 'A'],
      [noRouter, st, 'B'],
    ] as const) {
      const r = await runDiff(a, b, { kinds: ['router'], docs: false, spectra: false, embeddings: false }, { engine: await cpu() });
      assert.deepEqual(
        r.entries.map((e) => [e.layer, e.kind]),
        [[1, 'router']],
      );
      const u = r.report.unmatched.filter((x) => /router|mlp\.gate\.weight/.test(x.what));
      assert.deepEqual(u, [{ what: 'layer 2 router', shapeA: side === 'A' ? [E, D] : null, shapeB: side === 'B' ? [E, D] : null, reason: `only in ${side}` }]);
    }
    assert.deepEqual(parseDiffOptions({ kinds: ['router', 'kv_b'] }), { kinds: ['router', 'kv_b'] });
    assert.throws(() => parseDiffOptions({ kinds: ['kv'] }), /'kinds' must be a non-empty list of .*router, q_a, q_b, kv_a, kv_b/);
  });
});

test('an FP8 checkpoint against an unquantized one: the block scales belong to their matrices, not "only in A"', async () => {
  const root = mkdtempSync(join(tmpdir(), 'll-diff-fp8-'));
  try {
    const fp8 = await openModel((await writeMoeFixture(join(root, 'fp8'), { arch: 'deepseek_v3_fp8' })).dir);
    const plain = await openModel((await writeMoeFixture(join(root, 'bf16'), { arch: 'deepseek_v3' })).dir);
    assert.ok(
      [...fp8.tensors.keys()].some((n) => n.endsWith('weight_scale_inv')),
      'the fixture has block scales',
    );
    for (const [a, b] of [
      [fp8, plain],
      [plain, fp8],
    ] as const) {
      const plan = planDiff(a, b, undefined, undefined, 'all');
      assert.ok(plan.matrices.length > 0);
      const scales = plan.report.unmatched.filter((u) => u.what.endsWith('weight_scale_inv'));
      assert.deepEqual(scales, [], 'no scale tensor is listed unpaired');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
