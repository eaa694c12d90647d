/**
 * End to end on media/sample-model with the built-in prompts: hidden-state clouds (batched by
 * length) against single-prompt runs, Betti numbers against a per-layer computation that does not
 * use the zigzag (connected components by union-find on a brute-force k-NN graph; H1, H2 from the
 * plain reduction of each complex alone), and the result's invariants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { executorFor } from '../../../../../src/analysis/model/executor/index';
import { hiddenStateClouds, tokenizePrompts } from '../../../../../src/analysis/methods/persistence/job';
import { persistenceAnalysis } from '../../../../../src/analysis/methods/persistence/persistence';
import { filtrationBarcode } from '../../../../../src/analysis/tda/filtration';
import { cliqueComplex, graphFromEdges } from '../../../../../src/analysis/tda/cliques';
import { simplexAt } from '../../../../../src/analysis/tda/complex';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { REPO_ROOT } from '../../../../paths';

const SAMPLE = join(REPO_ROOT, 'media/sample-model');

function bruteKnnEdges(p: Matrix, k: number): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < p.rows; i++) {
    const order: Array<{ j: number; s: number }> = [];
    for (let j = 0; j < p.rows; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < p.cols; t++) s += (p.data[i * p.cols + t] - p.data[j * p.cols + t]) ** 2;
      order.push({ j, s });
    }
    order.sort((a, b) => a.s - b.s || a.j - b.j);
    for (const { j } of order.slice(0, k)) edges.push([i, j]);
  }
  return edges;
}

function components(n: number, edges: Array<[number, number]>): number {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (const [a, b] of edges) parent[find(a)] = find(b);
  return new Set(parent.map((_, i) => find(i))).size;
}

test('sample model, built-in prompts: clouds, Betti numbers per layer, descriptors', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(SAMPLE);
  const { prompts } = await tokenizePrompts(model, [{ kind: 'builtin', perDomain: 12 }], 24);
  assert.equal(prompts.length, 48);
  assert.ok(
    prompts.every((p) => p[0] !== 256),
    'no BOS',
  );
  const { clouds, names, residualStream } = await hiddenStateClouds(model, prompts, { engine, batchSize: 8 });
  assert.equal(clouds.length, 5);
  assert.deepEqual(names.slice(-2), ['layer 3 post-attention norm', 'final norm']);

  // Batched rows equal a prompt run alone.
  const ex = executorFor(model, { engine });
  try {
    for (const i of [0, 17, 47]) {
      const r = await ex.run([prompts[i]], { logits: 'none', postAttentionNorm: true, finalNorm: true });
      const T = prompts[i].length,
        d = 128;
      const alone = r.postAttentionNorm![2].subarray((T - 1) * d, T * d);
      const batched = clouds[2].data.subarray(i * d, (i + 1) * d);
      alone.forEach((v, t) => assert.ok(Math.abs(v - batched[t]) < 1e-4, `prompt ${i} coord ${t}`));
      r.finalNorm!.forEach((v, t) => assert.ok(Math.abs(v - clouds[4].data[i * d + t]) < 1e-4));
    }
  } finally {
    await ex.release();
  }

  const res = await persistenceAnalysis(engine, clouds, names, { k: 4, maxDim: 3 });
  assert.deepEqual(res.homologyDims, [0, 1, 2]);
  for (const [l, cloud] of clouds.entries()) {
    const edges = bruteKnnEdges(cloud, 4);
    assert.equal(res.betti[0][l], components(cloud.rows, edges), `β0 of cloud ${l}`);
    const c = cliqueComplex(graphFromEdges(cloud.rows, edges), 3);
    const simplices = c.byDim.flatMap((flat, p) => Array.from({ length: flat.length / (p + 1) }, (_, i) => ({ vertices: simplexAt(c, p, i), value: 0 })));
    const own = await filtrationBarcode(simplices);
    for (const p of [1, 2]) assert.equal(res.betti[p][l], own.filter((b) => b.dim === p && b.death === Infinity).length, `β${p} of cloud ${l}`);
    assert.deepEqual(
      res.simplexCounts[l],
      c.byDim.map((f, p) => f.length / (p + 1)),
    );
  }
  for (const p of res.homologyDims) for (let l = 0; l < 5; l++) assert.equal(res.similarity[p][l][l], res.betti[p][l]);
  // The baselines come from the residual stream of the same passes (hidden_states[0..4]).
  assert.equal(residualStream.states, 5);
  assert.equal(residualStream.prompts, 48);
  assert.equal(residualStream.blockInfluence.length, 4);
  assert.ok(residualStream.blockInfluence.every((v) => v >= 0 && v <= 2));
  for (const a of [...residualStream.angularLastToken, ...residualStream.angularAllTokens]) {
    assert.equal(a.values.length, 5 - a.n);
    assert.ok(a.values.every((v) => v >= 0 && v <= 1));
  }
  assert.equal(res.residualStream, undefined, 'clouds alone carry no residual stream');
  assert.deepEqual(
    res.suggestions.map((s) => s.p),
    [0.9, 0.8],
  );
  const maxAvg = Math.max(...res.averageSimilarity[1]);
  for (const s of res.suggestions) {
    assert.ok(s.layers.every((l) => l < 4 && res.averageSimilarity[1][l] >= s.p * maxAvg));
  }
  assert.ok(
    res.suggestions[0].layers.every((l) => res.suggestions[1].layers.includes(l)),
    'p = 0.8 suggests at least what 0.9 does',
  );
});
