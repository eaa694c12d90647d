/**
 * The descriptors and the pruning rule against test/oracles/persistence_pruning.py (re-run:
 * `python3 test/oracles/persistence_pruning.py > test/oracles/persistence_pruning.json`), a numpy
 * re-implementation of the reference's post-processing (POSTPROCESS in src/benchmark/post_process.py
 * and layers_to_cut_given_r in src/benchmark/benchmark.py of github.com/YuriGardinazzi/conferenceProject)
 * from zigzag position bars to Betti numbers, S_p(i, j), S̄_p and the layers cut at each p, plus
 * the cap on the number of layers removed for several shares.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  averageSimilarity,
  bettiCurve,
  maxPrunedLayers,
  pruningSuggestion,
  similarityMatrix,
} from '../../../../../src/analysis/methods/persistence/descriptors';
import { barLayers, type ZigzagBar } from '../../../../../src/analysis/tda/zigzag';
import { REPO_ROOT } from '../../../../paths';

interface OracleCase {
  name: string;
  clouds: number;
  maxDim: number;
  positionBars: ZigzagBar[];
  betti: number[][];
  similarity: number[][][];
  average: number[][];
  suggestions: Array<{ p: number; share: number; maxLayers: number; ruleLayers: number[]; layers: number[]; capped: boolean }>;
}
const oracle: { cases: OracleCase[] } = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/persistence_pruning.json'), 'utf8'));

test('the oracle covers capped and uncapped suggestions, and a case where the rule removes every layer', () => {
  const all = oracle.cases.flatMap((c) => c.suggestions);
  assert.ok(all.some((s) => s.capped) && all.some((s) => !s.capped && s.layers.length > 1));
  assert.ok(oracle.cases.some((c) => c.suggestions.some((s) => s.ruleLayers.length === c.clouds - 1)));
  assert.ok(oracle.cases.length >= 6);
});

for (const c of oracle.cases) {
  test(`${c.name}: Betti numbers, S_p(i, j), S̄_p and the suggestions equal the reference's post-processing`, () => {
    const bars = c.positionBars.map(barLayers).filter((b) => b.birth < b.death);
    for (let p = 0; p < c.maxDim; p++) {
      assert.deepEqual(bettiCurve(bars, p, c.clouds), c.betti[p], `β${p}`);
      const s = similarityMatrix(bars, p, c.clouds);
      assert.deepEqual(s, c.similarity[p], `S${p}`);
      averageSimilarity(s).forEach((v, l) => assert.ok(Math.abs(v - c.average[p][l]) <= 1e-12, `S̄${p}(${l}): ${v} vs ${c.average[p][l]}`));
    }
    const avg1 = averageSimilarity(similarityMatrix(bars, 1, c.clouds));
    for (const want of c.suggestions) {
      const got = pruningSuggestion(avg1, c.clouds - 1, want.p, maxPrunedLayers(c.clouds - 1, want.share));
      const what = `p = ${want.p}, share ${want.share}`;
      assert.equal(got.maxLayers, want.maxLayers, what);
      assert.deepEqual(got.ruleLayers, want.ruleLayers, what);
      assert.deepEqual(got.layers, want.layers, what);
      assert.equal(got.capped, want.capped, what);
    }
  });
}
