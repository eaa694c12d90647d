/**
 * Random small zigzags of clique complexes against the brute-force oracle test/oracles/zigzag.py
 * (barcodes from ranks of lim → colim of the homology zigzag over GF(2); no persistence algorithm),
 * whose output is committed in test/oracles/zigzag.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zigzagBarcode } from '../../../../src/analysis/tda/zigzag';
import { simplexCount } from '../../../../src/analysis/tda/complex';
import { barStrings, flag } from './helpers';
import { REPO_ROOT } from '../../../paths';

interface OracleCase {
  vertexCount: number;
  maxDim: number;
  edges: Array<Array<[number, number]>>;
  simplexCounts: number[][];
  bars: Array<{ dim: number; birth: number; death: number }>;
}

const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/zigzag.json'), 'utf8')) as { cases: OracleCase[] };

test('oracle file holds enough varied cases (births at intersections, several dimensions)', () => {
  assert.ok(oracle.cases.length >= 20);
  const bars = oracle.cases.flatMap((c) => c.bars);
  assert.ok(
    bars.some((b) => b.birth % 2 === 1),
    'some bar born at an intersection',
  );
  assert.ok(
    bars.some((b) => b.dim === 2),
    'some H2 bar',
  );
});

for (const [i, c] of oracle.cases.entries()) {
  test(`random zigzag ${i}: ${c.edges.length} complexes on ${c.vertexCount} vertices, dim ≤ ${c.maxDim}`, async () => {
    const layers = c.edges.map((e) => flag(c.vertexCount, e, c.maxDim));
    layers.forEach((k, l) => {
      const counts = c.simplexCounts[l].map((_, p) => simplexCount(k, p));
      assert.deepEqual(counts, c.simplexCounts[l], `clique complex of layer ${l}`);
    });
    const r = await zigzagBarcode(layers);
    assert.deepEqual(barStrings(r.bars), barStrings(c.bars));
  });
}
