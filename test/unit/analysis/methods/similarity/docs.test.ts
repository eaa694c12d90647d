import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { docsChanceLevel } from '../../../../../src/analysis/methods/similarity/chanceLevel';
import {
  docsFromMaxima,
  docsOfNormalized,
  docsSimilarity,
  maxAbsCosineNormalized,
  normalizedColumns,
  normalizedRows,
  normalQuantile as acklamQuantile,
  orientForDocs,
  resolveOrientation,
} from '../../../../../src/analysis/methods/similarity/docs';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { normalCdf } from '../../../../../src/analysis/stats/erf';
import { fitGumbel } from '../../../../../src/analysis/stats/gumbel';
import { maxAbsDiff, randomMatrix, rng } from '../../engine/random';
import { gumbelOracle } from '../../stats/gumbelOracle';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

/** Plain float64 DOCS, the spec's four steps written out: the independent reference. */
function referenceDocs(x: Matrix, y: Matrix): number {
  const n = x.rows,
    m = x.cols;
  const norm = (z: Matrix, j: number) => Math.sqrt(Array.from({ length: n }, (_, i) => z.data[i * m + j] ** 2).reduce((a, b) => a + b, 0));
  const nx = Array.from({ length: m }, (_, j) => norm(x, j)),
    ny = Array.from({ length: m }, (_, j) => norm(y, j));
  const rowMax = new Float64Array(m),
    colMax = new Float64Array(m);
  for (let j = 0; j < m; j++)
    for (let k = 0; k < m; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += x.data[i * m + j] * y.data[i * m + k];
      const c = Math.abs(dot) / (nx[j] * ny[k]);
      rowMax[j] = Math.max(rowMax[j], c);
      colMax[k] = Math.max(colMax[k], c);
    }
  return (fitGumbel(rowMax).loc + fitGumbel(colMax).loc) / 2;
}

function withNoise(x: Matrix, eps: number, seed: number): Matrix {
  const noise = randomMatrix(x.rows, x.cols, seed);
  return { rows: x.rows, cols: x.cols, data: x.data.map((v, i) => v + eps * noise.data[i]) };
}

/** Standard normal quantile by bisection on the erf-based cdf (the formula test's reference). */
function normalQuantile(p: number): number {
  let lo = -40,
    hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

test('DOCS matches numpy + scipy on the oracle matrices (maxima, both Gumbel fits, the index)', async () => {
  const engine = await cpu();
  for (const c of gumbelOracle.docs) {
    const x: Matrix = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.x) };
    const y: Matrix = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.y) };
    const r = await docsSimilarity(engine, x, y);
    assert.ok(maxAbsDiff(r.rowMax, c.rowMax) < 2e-6, `${c.name}: row maxima`);
    assert.ok(maxAbsDiff(r.colMax, c.colMax) < 2e-6, `${c.name}: column maxima`);
    assert.ok(Math.abs(r.fitX.loc - c.uX) < 1e-5 && Math.abs(r.fitY.loc - c.uY) < 1e-5, `${c.name}: u ${r.fitX.loc}, ${r.fitY.loc} vs ${c.uX}, ${c.uY}`);
    assert.ok(Math.abs(r.fitX.scale - c.betaX) < 1e-4 * c.betaX + 1e-7, `${c.name}: β_X ${r.fitX.scale} vs ${c.betaX}`);
    assert.ok(Math.abs(r.docs - c.docs) < 1e-5, `${c.name}: DOCS ${r.docs} vs ${c.docs}`);
    // Gumbel part alone on numpy's float64 maxima: scipy to rounding.
    const fromOracle = docsFromMaxima(Float32Array.from(c.rowMax), Float32Array.from(c.colMax));
    assert.ok(Math.abs(fromOracle.docs - c.docs) < 1e-6);
  }
});

test('DOCS matches a plain float64 reference on random matrices with more rows than columns', async () => {
  const engine = await cpu();
  const x = randomMatrix(40, 12, 11),
    y = withNoise(x, 0.8, 12);
  const r = await docsSimilarity(engine, x, y);
  assert.ok(Math.abs(r.docs - referenceDocs(x, y)) < 1e-5, `${r.docs} vs ${referenceDocs(x, y)}`);
});

test('S(X, X) = 1', async () => {
  const engine = await cpu();
  const x = randomMatrix(64, 48, 21);
  const r = await docsSimilarity(engine, x, x);
  assert.ok(Math.abs(r.docs - 1) < 1e-6, `S(X,X) = ${r.docs}`);
  const copy: Matrix = { ...x, data: x.data.slice() };
  assert.ok(Math.abs((await docsSimilarity(engine, x, copy)).docs - 1) < 1e-6);
});

test('DOCS is symmetric and invariant to column permutation, per-column sign flips and scaling', async () => {
  const engine = await cpu();
  const n = 48,
    m = 40;
  const x = randomMatrix(n, m, 31),
    y = withNoise(x, 1.2, 32);
  const base = (await docsSimilarity(engine, x, y)).docs;
  assert.ok(base > 0.3 && base < 0.9, `a pair in the informative range: ${base}`);
  assert.ok(Math.abs((await docsSimilarity(engine, y, x)).docs - base) < 1e-6, 'symmetry');
  const rand = rng(33);
  const perm = Array.from({ length: m }, (_, j) => j);
  for (let j = m - 1; j > 0; j--) {
    const k = Math.floor(rand() * (j + 1));
    [perm[j], perm[k]] = [perm[k], perm[j]];
  }
  const factor = Array.from({ length: m }, () => (rand() < 0.5 ? -1 : 1) * (0.01 + 100 * rand()));
  const transformed: Matrix = { rows: n, cols: m, data: new Float32Array(n * m) };
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) transformed.data[i * m + j] = factor[j] * y.data[i * m + perm[j]];
  const t = (await docsSimilarity(engine, x, transformed)).docs;
  assert.ok(Math.abs(t - base) < 1e-6, `permuted, flipped, scaled: ${t} vs ${base}`);
});

test('independent Gaussian 512×512: S ≈ Φ⁻¹(1 − 1/(2m))/√n ≈ 0.137', async () => {
  const engine = await cpu();
  const n = 512,
    m = 512;
  const s = (await docsSimilarity(engine, randomMatrix(n, m, 41), randomMatrix(n, m, 42))).docs;
  const formula = normalQuantile(1 - 1 / (2 * m)) / Math.sqrt(n);
  assert.ok(Math.abs(formula - 0.1369) < 1e-4, `formula ${formula}`);
  // The formula treats the m² cosines as independent normals; numpy over 5 seeds gives 0.1345–0.1361.
  assert.ok(Math.abs(s - formula) < 0.03 * formula, `S = ${s}, formula ${formula}`);
  assert.ok(Math.abs(s - 0.137) < 0.004, `S = ${s}`);
});

test('X vs X + ε·noise (512×512): ε = 0.5 → ≈ 0.89, ε = 1 → ≈ 0.70', async () => {
  const engine = await cpu();
  const x = randomMatrix(512, 512, 51);
  const half = (await docsSimilarity(engine, x, withNoise(x, 0.5, 52))).docs;
  const one = (await docsSimilarity(engine, x, withNoise(x, 1, 53))).docs;
  // cos(x, x + εz) → 1/√(1 + ε²) = 0.894 and 0.707; numpy over 5 seeds: 0.8895–0.8900 and 0.6946–0.6960.
  assert.ok(Math.abs(half - 0.89) < 0.01, `ε = 0.5: ${half}`);
  assert.ok(Math.abs(one - 0.7) < 0.01, `ε = 1: ${one}`);
});

test('orientation: neuron compares rows of q, k, v, gate, up and columns of o, down', () => {
  for (const role of ['q', 'k', 'v', 'gate', 'up'] as const) assert.equal(resolveOrientation(role), 'rows');
  for (const role of ['o', 'down'] as const) assert.equal(resolveOrientation(role), 'columns');
  assert.equal(resolveOrientation('up', 'columns'), 'columns');
  assert.equal(resolveOrientation('down', 'rows'), 'rows');
  assert.throws(() => resolveOrientation('q', 'sideways' as never), /Unknown orientation 'sideways'/);
  const w: Matrix = { rows: 2, cols: 3, data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  assert.equal(orientForDocs(w, 'columns'), w);
  assert.deepEqual(orientForDocs(w, 'rows'), { rows: 3, cols: 2, data: Float32Array.from([1, 4, 2, 5, 3, 6]) });
});

test('DOCS rejects matrices of different shapes, and weights with NaN, with a clear message', async () => {
  const engine = await cpu();
  await assert.rejects(docsSimilarity(engine, randomMatrix(8, 4, 1), randomMatrix(8, 5, 2)), /same shape; got 8×4 and 8×5/);
  const broken = randomMatrix(8, 4, 3);
  broken.data[5] = NaN;
  await assert.rejects(docsSimilarity(engine, randomMatrix(8, 4, 4), broken), /weights contain NaN or Inf/);
});

test('the normal quantile matches bisection on the erf-based cdf; the exact chance level sits just below Φ⁻¹(1 − 1/(2m))/√n', () => {
  for (const p of [1e-9, 0.001, 0.02, 0.3, 0.5, 0.9, 0.999, 1 - 1 / 1024, 1 - 1e-9]) {
    const want = normalQuantile(p);
    assert.ok(Math.abs(acklamQuantile(p) - want) < 1e-8 * Math.max(1, Math.abs(want)), `p = ${p}: ${acklamQuantile(p)} vs ${want}`);
  }
  for (const [n, m, classical] of [
    [512, 512, 0.13688],
    [1024, 1024, 0.10304],
  ]) {
    const level = docsChanceLevel(n, m);
    assert.ok(level < classical && level > classical - 0.002, `${n}×${m}: ${level} against Φ⁻¹(1 − 1/2m)/√n = ${classical}`);
  }
  assert.throws(() => acklamQuantile(1), /must be in \(0, 1\)/);
});

test('the whole-model path (normalise once, then blocks) gives the same maxima and DOCS, in one block or ragged ones', async () => {
  const engine = await cpu();
  const x = randomMatrix(30, 23, 91),
    y = withNoise(x, 0.9, 92);
  const direct = await docsSimilarity(engine, x, y);
  const xt = await normalizedColumns(engine, x),
    yt = await normalizedColumns(engine, y);
  assert.deepEqual([xt.rows, xt.cols], [23, 30]);
  // Rows of Xᵀ are the columns of X: the plain-JS row normalisation gives the same form.
  const viaRows = normalizedRows(orientForDocs(x, 'rows'));
  assert.deepEqual([viaRows.rows, viaRows.cols], [23, 30]);
  assert.ok(maxAbsDiff(viaRows.data, xt.data) < 1e-7);
  const zero = normalizedRows({ rows: 2, cols: 3, data: Float32Array.from([0, 0, 0, 3, 0, 4]) });
  assert.deepEqual(Array.from(zero.data), [0, 0, 0, 0.6000000238418579, 0, 0.800000011920929]);
  assert.ok(Math.abs((await docsOfNormalized(engine, xt, yt)).docs - direct.docs) < 1e-7);
  for (const [blockRows, blockCols] of [
    [5, 4],
    [1, 23],
    [23, 1],
    [7, 100],
  ]) {
    const r = await maxAbsCosineNormalized(engine, xt, yt, { blockRows, blockCols });
    assert.ok(maxAbsDiff(r.rowMax, direct.rowMax) < 1e-6 && maxAbsDiff(r.colMax, direct.colMax) < 1e-6, `blocks ${blockRows}×${blockCols}`);
  }
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(maxAbsCosineNormalized(engine, xt, yt, { signal: ac.signal }), /cancelled/);
  await assert.rejects(docsOfNormalized(engine, xt, await normalizedColumns(engine, randomMatrix(30, 22, 93))), /same shape/);
});

test("a single pair (diff, adapter) takes the exact integer path where chosen, with the float32 path's DOCS and maxima", async () => {
  const engine = await cpu();
  // Related matrices (a shared part plus noise), so the maxima are well above chance.
  const base = randomMatrix(96, 40, 11);
  const noise = randomMatrix(96, 40, 12);
  const x = base;
  const y: Matrix = { rows: 96, cols: 40, data: base.data.map((v, i) => v + 0.7 * noise.data[i]) };
  const saved = process.env.LAYER_LENS_DOCS_PATH;
  try {
    process.env.LAYER_LENS_DOCS_PATH = 'float32';
    const f = await docsSimilarity(engine, x, y);
    process.env.LAYER_LENS_DOCS_PATH = 'int8';
    const i = await docsSimilarity(engine, x, y);
    assert.equal(f.docsPath, 'float32');
    assert.equal(i.docsPath, 'int8-refined');
    assert.ok(maxAbsDiff(i.rowMax, f.rowMax) <= 1e-6 && maxAbsDiff(i.colMax, f.colMax) <= 1e-6, 'maxima');
    assert.ok(Math.abs(i.docs - f.docs) <= 1e-6, `DOCS ${i.docs} vs ${f.docs}`);
    assert.ok(f.docs > 0.5, `related matrices: DOCS ${f.docs}`);
  } finally {
    if (saved === undefined) delete process.env.LAYER_LENS_DOCS_PATH;
    else process.env.LAYER_LENS_DOCS_PATH = saved;
  }
});
