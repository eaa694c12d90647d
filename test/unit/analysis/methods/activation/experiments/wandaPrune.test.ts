// Activation-guided pruning on the real stories260K checkpoint against the independent numpy oracle
// (test/oracles/wanda_prune.py: OWL's allocation, Wanda's sequential pruning, held-out perplexity,
// written from the OWL and Wanda reference code): ratios, every mask, perplexities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openModel } from '../../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../../src/analysis/model/executor/index';
import { pruningRatios } from '../../../../../../src/analysis/methods/activation/stats';
import { wandaPlan } from '../../../../../../src/analysis/methods/activation/experiments/wandaPlan';
import { wandaMask } from '../../../../../../src/analysis/methods/activation/experiments/wandaMask';
import { pruneExperiment } from '../../../../../../src/analysis/methods/activation/experiments/pruneExperiment';
import { heldOutPerplexity } from '../../../../../../src/analysis/methods/activation/experiments/heldOutPerplexity';
import { DecoderExecutor } from '../../../../../../src/analysis/model/executor/decoder';
import { prunedWeightSource } from '../../../../../../src/analysis/methods/activation/experiments/prunedWeights';
import { REPO_ROOT } from '../../../../../paths';

interface OracleCase {
  name: string;
  target: number;
  lambda: number;
  density: number[] | null;
  ratios: number[];
  masks: Array<Record<string, { sha256: string; pruned: number }>>;
  totalSparsity: number;
  perplexity: number;
}
const oracle = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/oracles/wanda_prune.json'), 'utf8')) as {
  calibration: number[][];
  heldOut: number[][];
  unpruned: number;
  cases: OracleCase[];
};
const stories = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'stories260K');
const ROLES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/** numpy.packbits order: byte k holds mask[8k] in its highest bit. */
function packedSha(mask: Uint8Array): string {
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3] |= 0x80 >> (i & 7);
  return createHash('sha256').update(bytes).digest('hex');
}

const relClose = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: ${got} vs ${want}`);
const ratiosOf = (c: OracleCase) => (c.density ? pruningRatios(c.density, c.target, c.lambda) : [0, 1, 2, 3, 4].map(() => c.target));

test('OWL ratios from densities equal the oracle, and their mean is the target', () => {
  for (const c of oracle.cases) {
    const r = ratiosOf(c);
    r.forEach((x, l) => assert.ok(Math.abs(x - c.ratios[l]) < 1e-12, `${c.name} layer ${l}: ${x} vs ${c.ratios[l]}`));
    assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) / r.length - c.target) < 1e-12);
  }
});

test('Wanda masks of all seven matrices of every layer equal the oracle (sequential calibration)', async () => {
  const model = await openModel(stories);
  const ex = executorFor(model);
  try {
    for (const c of oracle.cases) {
      const plan = await wandaPlan(ex, oracle.calibration, ratiosOf(c));
      assert.equal(plan.matrices.length, 5 * 7);
      const source = prunedWeightSource(ex.weights, plan.matrices);
      await Promise.all(
        plan.matrices.map(async (m, i) => {
          const want = c.masks[Math.floor(i / 7)][ROLES[i % 7]];
          const original = await ex.weights.read(m.tensor);
          const mask = wandaMask(original, m.rows, m.columns, m.inputNorms, m.ratio);
          // What the executor reads from the pruned source: zero exactly where the mask is (or the weight was).
          const served = await source.read(m.tensor);
          for (let j = 0; j < mask.length; j++) assert.equal(served[j] === 0, mask[j] === 1 || original[j] === 0, `${m.tensor}[${j}]`);
          assert.equal(
            mask.reduce((a, b) => a + b, 0),
            want.pruned,
            `${c.name} ${m.tensor}: pruned count`,
          );
          assert.equal(packedSha(mask), want.sha256, `${c.name} ${m.tensor}: mask`);
        }),
      );
      relClose(plan.totalSparsity, c.totalSparsity, 1e-12, `${c.name} total sparsity`);
    }
  } finally {
    await ex.release();
  }
});

test('experiment (a): unpruned, uniform and density-derived perplexities within 1e-4 of the oracle, at the same mean ratio', async () => {
  const model = await openModel(stories);
  const ex = executorFor(model);
  const progress: number[] = [];
  try {
    for (const c of oracle.cases.filter((x) => x.density)) {
      const prompt = (ids: number[], i: number) => ({ domain: 'stories', label: `p${i}`, ids });
      const r = await pruneExperiment(
        ex,
        { calibration: oracle.calibration.map(prompt), heldOut: oracle.heldOut.map(prompt) },
        { density: c.density!, targetPruneRatio: c.target, lambda: c.lambda, onProgress: (p) => progress.push(p.done / p.total) },
      );
      relClose(r.unpruned, oracle.unpruned, 1e-4, 'unpruned perplexity');
      const uniform = oracle.cases.find((x) => !x.density && x.target === c.target)!;
      relClose(r.uniform.perplexity, uniform.perplexity, 1e-4, `${uniform.name} perplexity`);
      relClose(r.uniform.totalSparsity, uniform.totalSparsity, 1e-12, `${uniform.name} sparsity`);
      relClose(r.derived.totalSparsity, c.totalSparsity, 1e-12, `${c.name} sparsity`);
      relClose(r.derived.perplexity, c.perplexity, 1e-4, `${c.name} perplexity`);
      const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
      assert.ok(Math.abs(mean(r.derived.ratios) - c.target) < 1e-12 && Math.abs(mean(r.uniform.ratios) - c.target) < 1e-12);
      // Equal layer sizes: the total sparsity is the mean ratio up to Wanda's rounding down per row (< 1/64 here).
      assert.ok(Math.abs(r.uniform.totalSparsity - r.derived.totalSparsity) < 1 / 64, `${r.uniform.totalSparsity} vs ${r.derived.totalSparsity}`);
      assert.equal(
        r.heldOutTokens,
        oracle.heldOut.reduce((s, ids) => s + ids.length - 1, 0),
      );
    }
    assert.equal(progress.at(-1), 1);
  } finally {
    await ex.release();
  }
});

test('experiment (b): a domain × domain matrix, each row calibrated on one domain only', async () => {
  const model = await openModel(stories);
  const ex = executorFor(model);
  try {
    const [c0, c1, c2] = oracle.calibration;
    const calibration = [
      { domain: 'a', label: 'a0', ids: c0 },
      { domain: 'a', label: 'a1', ids: c1 },
      { domain: 'b', label: 'b0', ids: c2 },
    ];
    const heldOut = [
      { domain: 'a', label: 'ha', ids: oracle.heldOut[0] },
      { domain: 'b', label: 'hb', ids: oracle.heldOut[1] },
    ];
    const r = await pruneExperiment(ex, { calibration, heldOut }, { domains: true, threshold: { kind: 'relative', factor: 1 } });
    const d = r.domains!;
    assert.deepEqual(d.names, ['a', 'b']);
    assert.equal(d.perplexity.length, 2);
    for (const row of d.perplexity) for (const p of row) assert.ok(Number.isFinite(p) && p > 1);
    // The unpruned column is the plain model on each domain's held-out prompts.
    relClose(d.unpruned[0], await heldOutPerplexity(ex, [oracle.heldOut[0]]), 1e-12, 'unpruned a');
    // Row b is Wanda calibrated on b's one prompt at the ratios from b's densities.
    const plan = await wandaPlan(ex, [c2], pruningRatios(d.density[1], 0.5));
    assert.deepEqual(d.ratios[1], pruningRatios(d.density[1], 0.5));
    assert.notDeepEqual(d.ratios[0], d.ratios[1]);
    const pruned = new DecoderExecutor(ex.cfg, prunedWeightSource(ex.weights, plan.matrices));
    relClose(d.perplexity[1][0], await heldOutPerplexity(pruned, [oracle.heldOut[0]]), 1e-12, 'b → a');
    relClose(d.perplexity[1][1], await heldOutPerplexity(pruned, [oracle.heldOut[1]]), 1e-12, 'b → b');
    await assert.rejects(pruneExperiment(ex, { calibration, heldOut: heldOut.slice(0, 1) }, { domains: true }), /domain "b" has no held-out prompts/);
  } finally {
    await ex.release();
  }
});
