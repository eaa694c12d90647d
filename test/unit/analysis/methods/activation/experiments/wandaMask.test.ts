// Wanda's per-row mask against hand-worked cases (score |W_ij|·‖X_j‖, floor(columns·ratio) lowest per
// output row, ties to the lower column), the refusal of models whose matrices cannot be pruned
// one by one, the held-out split, the option validator and the tidy CSV of a result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyRowCuts,
  prunedPerRow,
  wandaMask,
  wandaPruneInPlace,
  wandaRowCuts,
} from '../../../../../../src/analysis/methods/activation/experiments/wandaMask';
import { prunableMatrices } from '../../../../../../src/analysis/methods/activation/experiments/layerRunner';
import { splitHeldOut } from '../../../../../../src/analysis/methods/activation/experiments/job';
import { parsePruneExperimentOptions } from '../../../../../../src/analysis/methods/activation/experiments/options';
import { PRUNE_EXPERIMENT_TIDY_COLUMNS, pruneExperimentTidyRows } from '../../../../../../src/analysis/methods/activation/experiments/csv';
import type { PruneExperimentResult } from '../../../../../../src/analysis/methods/activation/experiments/pruneExperiment';
import type { DecoderExecutor } from '../../../../../../src/analysis/model/executor/decoder';

test('Wanda mask: lowest |W|·‖X‖ per row, ties to the lower column, floor(columns·ratio) per row', () => {
  // Row 0: scores |1|·4, |−2|·1, |3|·1, |4|·0.5 = 4, 2, 3, 2 → at 0.5 the two lowest: columns 1 and 3 (tie 2 = 2, lower first).
  // Row 1: scores 0.5·4, 1·1, 5·1, 0·0.5 = 2, 1, 5, 0 → columns 3 and 1.
  const w = Float32Array.from([1, -2, 3, 4, 0.5, 1, -5, 0]);
  const norms = [4, 1, 1, 0.5];
  assert.deepEqual([...wandaMask(w, 2, 4, norms, 0.5)], [0, 1, 0, 1, 0, 1, 0, 1]);
  // At 0.25 one per row: row 0 the tie at 2 goes to column 1; row 1 column 3 (score 0).
  assert.deepEqual([...wandaMask(w, 2, 4, norms, 0.25)], [0, 1, 0, 0, 0, 0, 0, 1]);
  // The activation norm matters: with equal norms row 0 prunes the smallest magnitudes, columns 0 and 1.
  assert.deepEqual([...wandaMask(w, 2, 4, [1, 1, 1, 1], 0.5)].slice(0, 4), [1, 1, 0, 0]);
  const copy = Float32Array.from(w);
  assert.equal(wandaPruneInPlace(copy, 2, 4, norms, 0.75), 6);
  assert.deepEqual([...copy], [1, 0, 0, 0, 0, 0, -5, 0]); // row 0 keeps its highest score (column 0), row 1 its (column 2)
  // Python's int(columns·ratio): 100·0.29 = 28.999… → 28; 172·0.5 = 86; ratio 1 prunes all, 0 none.
  assert.equal(prunedPerRow(100, 0.29), 28);
  assert.equal(prunedPerRow(172, 0.5), 86);
  assert.equal(prunedPerRow(7, 1), 7);
  assert.equal(prunedPerRow(7, 0), 0);
  assert.throws(() => prunedPerRow(7, 1.2), /pruning ratio 1.2/);
  assert.throws(() => wandaMask(w, 2, 4, [1, 1], 0.5), /2 input norms for a matrix of 4 columns/);
});

test('row cuts (two numbers per row) give back exactly the mask, ties included', () => {
  // Weights on a coarse grid so that many scores tie; an LCG keeps the case fixed.
  let state = 12345;
  const rand = () => (state = (1664525 * state + 1013904223) % 4294967296) / 4294967296;
  const rows = 9,
    columns = 13;
  const w = Float32Array.from({ length: rows * columns }, () => Math.round(rand() * 6 - 3));
  const norms = Array.from({ length: columns }, () => 1 + Math.round(rand() * 2));
  for (const ratio of [0, 0.2, 0.5, 0.77, 1]) {
    const mask = wandaMask(w, rows, columns, norms, ratio);
    const copy = Float32Array.from(w);
    applyRowCuts(copy, rows, columns, norms, wandaRowCuts(w, rows, columns, norms, ratio));
    for (let j = 0; j < w.length; j++) assert.equal(copy[j] === 0, mask[j] === 1 || w[j] === 0, `ratio ${ratio}, entry ${j}`);
    // Exactly floor(columns·ratio) per row are pruned, whatever the ties.
    for (let i = 0; i < rows; i++)
      assert.equal(
        mask.subarray(i * columns, (i + 1) * columns).reduce((a, b) => a + b, 0),
        prunedPerRow(columns, ratio),
      );
  }
});

test('models with fused q/k/v or expert layers are refused with the reason', () => {
  const gpt2 = { cfg: { family: 'gpt2' }, specs: [] } as unknown as DecoderExecutor;
  assert.throws(() => prunableMatrices(gpt2, 0), /GPT-2 model stores q, k and v in one fused tensor/);
  const moe = { cfg: { family: 'llama' }, specs: [{ moe: {}, mla: false }] } as unknown as DecoderExecutor;
  assert.throws(() => prunableMatrices(moe, 0), /layer 0 is a mixture-of-experts layer/);
});

test("held-out split: each domain's last k prompts; a domain needs more than k", () => {
  const p = (domain: string, i: number) => ({ domain, label: `${domain}${i}`, ids: [i] });
  const { calibration, heldOut } = splitHeldOut([p('a', 0), p('a', 1), p('a', 2), p('b', 0), p('b', 1)], 1);
  assert.deepEqual(
    calibration.map((x) => x.label),
    ['a0', 'a1', 'b0'],
  );
  assert.deepEqual(
    heldOut.map((x) => x.label),
    ['a2', 'b1'],
  );
  assert.throws(() => splitHeldOut([p('a', 0), p('b', 0), p('b', 1)], 1), /domain "a" has 1 prompt; it needs more than the 1 held out/);
});

test('options: ranges checked, names the option', () => {
  const prompts = [{ kind: 'builtin' }];
  assert.deepEqual(parsePruneExperimentOptions({ prompts, lambda: 0.1, targetPruneRatio: 0.6, domains: true }), {
    prompts,
    lambda: 0.1,
    targetPruneRatio: 0.6,
    domains: true,
  });
  assert.throws(() => parsePruneExperimentOptions({ prompts, lambda: 0.7 }), /'lambda' must be a number in \[0, 0.5\]/);
  assert.throws(() => parsePruneExperimentOptions({ prompts, targetPruneRatio: -0.1 }), /'targetPruneRatio'/);
  assert.throws(() => parsePruneExperimentOptions({ prompts, threshold: { kind: 'relative' } }), /'threshold'/);
  assert.throws(() => parsePruneExperimentOptions({ prompts: [] }), /prompts/);
});

test('tidy CSV rows carry every figure of the result', () => {
  const arm = (p: number) => ({ ratios: [0.4, 0.6], layerSparsity: [0.375, 0.625], totalSparsity: 0.5, perplexity: p });
  const r: PruneExperimentResult = {
    numLayers: 2,
    targetPruneRatio: 0.5,
    lambda: 0.08,
    calibrationPrompts: 4,
    heldOutSequences: 2,
    heldOutTokens: 20,
    density: [0.9, 0.8],
    unpruned: 5,
    uniform: arm(9),
    derived: arm(8),
    domains: {
      names: ['x', 'y'],
      density: [
        [0.9, 0.8],
        [0.7, 0.6],
      ],
      ratios: [
        [0.42, 0.58],
        [0.42, 0.58],
      ],
      perplexity: [
        [6, 7],
        [8, 9],
      ],
      unpruned: [5, 5.5],
    },
  };
  const rows = pruneExperimentTidyRows(r);
  for (const row of rows) for (const k of Object.keys(row)) assert.ok((PRUNE_EXPERIMENT_TIDY_COLUMNS as readonly string[]).includes(k), k);
  const find = (q: Record<string, unknown>) => rows.filter((row) => Object.entries(q).every(([k, v]) => row[k] === v));
  assert.equal(find({ arm: 'unpruned', metric: 'perplexity' })[0].value, 5);
  assert.equal(find({ arm: 'derived', metric: 'perplexity', calibration: undefined })[0].value, 8);
  assert.equal(find({ arm: 'derived', calibration: 'y', evaluation: 'x', metric: 'perplexity' })[0].value, 8);
  assert.equal(find({ arm: 'unpruned', evaluation: 'y' })[0].value, 5.5);
  assert.equal(find({ arm: 'uniform', layer: 1, metric: 'sparsity' })[0].value, 0.625);
  assert.equal(find({ calibration: 'y', layer: 0, metric: 'density' })[0].value, 0.7);
});
