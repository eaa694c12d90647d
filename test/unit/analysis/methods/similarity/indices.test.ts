import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { docsSimilarity } from '../../../../../src/analysis/methods/similarity/docs';
import {
  compareMatrices,
  flatCosine,
  flatR2,
  parseIndex,
  SIMILARITY_INDICES,
  type IndexDetails,
  type SimilarityIndex,
} from '../../../../../src/analysis/methods/similarity/indices';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { randomMatrix } from '../../engine/random';
import { matmul } from '../../../../../src/analysis/engine/kernels/matmul';
import { REPO_ROOT } from '../../../../paths';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });
const BASELINES = SIMILARITY_INDICES.filter((i) => i !== 'docs');

interface Case {
  name: string;
  rows: number;
  cols: number;
  x: number[];
  y: number[];
  [index: string]: unknown;
}
const oracle: { cases: Case[] } = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/similarity_indices.json'), 'utf8'));

test('every baseline index matches numpy/scipy on the oracle matrices', async () => {
  const engine = await cpu();
  for (const c of oracle.cases) {
    const x: Matrix = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.x) };
    const y: Matrix = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.y) };
    const details: IndexDetails = {};
    const got = await compareMatrices(engine, x, y, BASELINES, {}, details);
    for (const index of BASELINES) {
      if (index === 'pwcca' && !c.pwcca_unique) continue;
      const want = c[index] as number;
      // Flattened indices are float64 sums of the same float32 values; the others go through
      // float32 products and a Gram-route SVD; HSIC is unnormalised (hundreds here): relative.
      const tol = ['pearson', 'cosine', 'r2'].includes(index) ? 1e-12 : index === 'hsic' ? 1e-6 * Math.abs(want) : 1e-6;
      assert.ok(Math.abs((got[index] as number) - want) < tol, `${c.name}: ${index} = ${got[index]}, numpy ${want}`);
    }
    const close = (a: number | undefined, b: number, what: string) => assert.ok(Math.abs((a as number) - b) < 1e-6, `${c.name}: ${what} = ${a}, numpy ${b}`);
    const [lr, pw] = [c.linreg_directions as number[], c.pwcca_directions as number[]];
    close(details.linreg?.[0], lr[0], 'linreg A←B');
    close(details.linreg?.[1], lr[1], 'linreg B←A');
    if (c.pwcca_unique) {
      close(details.pwcca?.[0], pw[0], 'PWCCA weighted by A');
      close(details.pwcca?.[1], pw[1], 'PWCCA weighted by B');
    }
    close(details.ccaMeanRho, c.cca_mean_rho as number, 'CCA mean ρ');
  }
});

/** Q = Householder reflections of random vectors: an exactly orthogonal matrix up to rounding. */
function randomOrthogonal(n: number, seed: number): Matrix {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = randomMatrix(n, n, seed);
  for (let r = 0; r < n; r++) {
    const h = Array.from(v.data.subarray(r * n, (r + 1) * n));
    const norm2 = h.reduce((s, t) => s + t * t, 0);
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let k = 0; k < n; k++) d += q[i * n + k] * h[k];
      for (let k = 0; k < n; k++) q[i * n + k] -= (2 * d * h[k]) / norm2;
    }
  }
  return { rows: n, cols: n, data: Float32Array.from(q) };
}

test('CKA and Procrustes are 1 for any two orthogonal matrices; DOCS tells them apart', async () => {
  const engine = await cpu();
  const n = 48;
  const a = randomOrthogonal(n, 61),
    b = randomOrthogonal(n, 62);
  const v = await compareMatrices(engine, a, b, ['cka', 'procrustes', 'svcca']);
  assert.ok(Math.abs((v.cka as number) - 1) < 1e-4, `CKA ${v.cka}`);
  assert.ok(Math.abs((v.procrustes as number) - 1) < 1e-4, `Procrustes ${v.procrustes}`);
  const docs = (await docsSimilarity(engine, a, b)).docs;
  // Two random orthogonal matrices have columns as unrelated as Gaussian ones: ≈ Φ⁻¹(1−1/96)/√48 ≈ 0.33.
  assert.ok(docs > 0.2 && docs < 0.45, `DOCS ${docs}`);
});

test('representation indices are invariant to an orthogonal map of the units and to isotropic scaling', async () => {
  const engine = await cpu();
  const x = randomMatrix(20, 30, 71),
    y = randomMatrix(20, 30, 72);
  const q = randomOrthogonal(30, 73);
  const yq: Matrix = { rows: 20, cols: 30, data: new Float32Array(600) };
  for (let i = 0; i < 20; i++)
    for (let j = 0; j < 30; j++) {
      let s = 0;
      for (let k = 0; k < 30; k++) s += y.data[i * 30 + k] * q.data[k * 30 + j];
      yq.data[i * 30 + j] = 2.5 * s;
    }
  const base = await compareMatrices(engine, x, y, ['cka', 'svcca', 'procrustes']);
  const moved = await compareMatrices(engine, x, yq, ['cka', 'svcca', 'procrustes']);
  for (const k of ['cka', 'svcca', 'procrustes'] as const)
    assert.ok(Math.abs((base[k] as number) - (moved[k] as number)) < 2e-4, `${k}: ${base[k]} vs ${moved[k]}`);
  const self = await compareMatrices(engine, x, x, BASELINES);
  // HSIC is unnormalised: HSIC(X, X) = ‖X̃ᵀX̃‖²_F / (n − 1)², the others are 1.
  for (const k of BASELINES.filter((i) => i !== 'hsic')) assert.ok(Math.abs((self[k] as number) - 1) < 1e-4, `${k}(X, X) = ${self[k]}`);
});

test('flattened R² is the squared Pearson correlation; cosine is scale-free and NaN for zeros', () => {
  const x = randomMatrix(9, 7, 81).data,
    y = randomMatrix(9, 7, 82).data;
  const mixed = x.map((v, i) => -0.5 * v + 0.3 * y[i]);
  let sx = 0,
    sy = 0,
    sxy = 0,
    sxx = 0,
    syy = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += mixed[i];
  }
  for (let i = 0; i < n; i++) {
    const dx = x[i] - sx / n,
      dy = mixed[i] - sy / n;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Closed form of the least-squares fit: R² = 1 − SS_res/SS_tot with slope sxy/sxx.
  const slope = sxy / sxx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += (mixed[i] - sy / n - slope * (x[i] - sx / n)) ** 2;
  assert.ok(Math.abs(flatR2(x, mixed) - (1 - ssRes / syy)) < 1e-12);
  assert.ok(
    Math.abs(
      flatCosine(
        x,
        x.map((v) => 7 * v),
      ) - 1,
    ) < 1e-12,
  );
  assert.ok(Number.isNaN(flatCosine(x, new Float32Array(n))));
});

test('index names are checked', () => {
  assert.equal(parseIndex('cka'), 'cka' as SimilarityIndex);
  assert.equal(parseIndex('pwcca'), 'pwcca' as SimilarityIndex);
  assert.throws(() => parseIndex('cca2'), /Unknown similarity index 'cca2'/);
});

test('linear regression index: 1 for Y = XA with A invertible, in both directions; below 1 for partly shared columns', async () => {
  const engine = await cpu();
  const x = randomMatrix(40, 8, 11);
  const a = randomMatrix(8, 8, 12); // Gaussian: invertible with probability 1
  const y = await matmul(engine, x, a);
  const v = await compareMatrices(engine, x, y, ['linreg']);
  assert.ok(Math.abs((v.linreg as number) - 1) < 1e-5, `R²_LR(X, XA) = ${v.linreg}`);
  const unrelated = await compareMatrices(engine, x, randomMatrix(40, 8, 13), ['linreg']);
  assert.ok((unrelated.linreg as number) > 0.05 && (unrelated.linreg as number) < 0.5, `unrelated 40×8: ${unrelated.linreg}`);
});

test('CCA is invariant to any invertible map of the units (Kornblith et al. 2019, Table 1): R²_CCA and PWCCA of (X, XA) are 1, HSIC scales with the square of a scaling', async () => {
  const engine = await cpu();
  const x = randomMatrix(40, 8, 21);
  const y = await matmul(engine, x, randomMatrix(8, 8, 22));
  const details: IndexDetails = {};
  const v = await compareMatrices(engine, x, y, ['cca', 'pwcca', 'hsic'], {}, details);
  assert.ok(Math.abs((v.cca as number) - 1) < 1e-5, `R²_CCA(X, XA) = ${v.cca}`);
  assert.ok(Math.abs((details.ccaMeanRho as number) - 1) < 1e-5);
  assert.ok(Math.abs((v.pwcca as number) - 1) < 1e-5, `PWCCA(X, XA) = ${v.pwcca}`);
  const scaled = { ...y, data: y.data.map((t) => 3 * t) };
  const v3 = await compareMatrices(engine, x, scaled, ['hsic']);
  assert.ok(Math.abs((v3.hsic as number) / (v.hsic as number) - 9) < 1e-4, `HSIC ratio ${(v3.hsic as number) / (v.hsic as number)}`);
  const unrelated = await compareMatrices(engine, x, randomMatrix(40, 8, 23), ['cca', 'pwcca']);
  assert.ok((unrelated.cca as number) < 0.5 && (unrelated.pwcca as number) < 0.8, `unrelated: CCA ${unrelated.cca}, PWCCA ${unrelated.pwcca}`);
});
