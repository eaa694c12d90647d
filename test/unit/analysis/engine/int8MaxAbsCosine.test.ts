import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { int8MaxAbsCosine } from '../../../../src/analysis/engine/kernels/int8MaxAbsCosine';
import type { Matrix } from '../../../../src/analysis/linalg/matrix';
import { gaussian, rng } from './random';

// The integer kernel's maxima against a float64 brute force over every pair (the definition:
// max over partners of |x·y| for unit vectors): exact mode to float32 rounding of the stored
// maxima, fast mode within its reported bound.

const cpu = () => getEngine({ providers: ['cpu'], threads: 2 });

function unit(rows: Float64Array[]): Matrix {
  const n = rows[0].length;
  const data = new Float32Array(rows.length * n);
  rows.forEach((r, j) => {
    const norm = Math.hypot(...r);
    r.forEach((v, i) => (data[j * n + i] = norm > 0 ? v / norm : 0));
  });
  return { rows: rows.length, cols: n, data };
}

function gaussRows(m: number, n: number, seed: number): Float64Array[] {
  const rand = rng(seed);
  return Array.from({ length: m }, () => Float64Array.from({ length: n }, () => gaussian(rand)));
}

function reference(x: Matrix, y: Matrix): { rowMax: Float64Array; colMax: Float64Array } {
  const n = x.cols;
  const rowMax = new Float64Array(x.rows),
    colMax = new Float64Array(y.rows);
  for (let j = 0; j < x.rows; j++)
    for (let k = 0; k < y.rows; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += x.data[j * n + i] * y.data[k * n + i];
      const c = Math.min(1, Math.abs(d));
      rowMax[j] = Math.max(rowMax[j], c);
      colMax[k] = Math.max(colMax[k], c);
    }
  return { rowMax, colMax };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Refined maxima are float64 sums stored as float32: within half an ulp of values ≤ 1 (`tol` for float32 GEMM fallbacks). */
async function checkExact(name: string, x: Matrix, y: Matrix, blockRows?: number, tol = 2 ** -24) {
  const engine = await cpu();
  const ref = reference(x, y);
  const r = await int8MaxAbsCosine(engine, x, y, { mode: 'exact', blockRows });
  assert.ok(maxDiff(r.rowMax, ref.rowMax) <= tol, `${name}: row maxima off by ${maxDiff(r.rowMax, ref.rowMax)}`);
  assert.ok(maxDiff(r.colMax, ref.colMax) <= tol, `${name}: column maxima off by ${maxDiff(r.colMax, ref.colMax)}`);
  return r;
}

test('exact mode: random vectors equal the float64 maxima; few entries are refined', async () => {
  const x = unit(gaussRows(300, 256, 1)),
    y = unit(gaussRows(280, 256, 2));
  const r = await checkExact('random', x, y);
  assert.equal(r.float32Blocks, 0);
  assert.ok(r.refined >= 300 && r.refined < 4 * (300 + 280), `refined ${r.refined} of ${r.entries}`);
  // Ragged row blocks give the same maxima.
  await checkExact('random, 7 blocks', x, y, 47);
});

test('exact mode: planted near-duplicates and adversarial near-ties', async () => {
  const n = 192;
  const base = gaussRows(120, n, 3);
  const noise = gaussRows(240, n, 4);
  // y holds, for each x, two near-copies whose cosines with it differ by far less than the bound.
  const yRows: Float64Array[] = [];
  for (let j = 0; j < 120; j++) {
    const tie = base[j].map((v, i) => v + 1e-3 * noise[2 * j][i]);
    const tie2 = tie.map((v, i) => v + (i === j % n ? 1e-6 : 0));
    yRows.push(j % 2 ? tie : tie2.map((v) => -v), tie2);
  }
  // A few exact duplicates (cosine 1) and sign flips.
  for (let j = 0; j < 5; j++) yRows.push(base[j].map((v) => -2 * v));
  const x = unit(base),
    y = unit(yRows);
  const r = await checkExact('near ties', x, y);
  assert.equal(r.rowMax[0], 1);
  assert.ok(r.refined > 0);
});

test('exact mode: zero vectors score 0; a block full of ties is recomputed in float32', async () => {
  const rows = gaussRows(40, 64, 5);
  rows[3].fill(0);
  const x = unit(rows);
  const yRows = gaussRows(30, 64, 6);
  yRows[7].fill(0);
  const r = await checkExact('zero vectors', x, unit(yRows));
  assert.equal(r.rowMax[3], 0);
  assert.equal(r.colMax[7], 0);
  // Every y the same vector: each row's entries all tie, so every entry is a candidate.
  const same = unit(Array.from({ length: 64 }, () => gaussRows(1, 64, 7)[0]));
  // float32 GEMM over 64 terms: rounding well below 1e-6.
  const t = await checkExact('all ties', x, same, undefined, 1e-6);
  assert.equal(t.float32Blocks, 1);
});

test('fast mode: maxima within the reported bound, which is below 0.05 for unit vectors', async () => {
  const engine = await cpu();
  const x = unit(gaussRows(200, 512, 8)),
    y = unit(gaussRows(150, 512, 9));
  const ref = reference(x, y);
  const r = await int8MaxAbsCosine(engine, x, y, { mode: 'fast' });
  assert.equal(r.refined, 0);
  assert.ok(r.maxErrorBound > 0 && r.maxErrorBound < 0.05, `bound ${r.maxErrorBound}`);
  assert.ok(r.meanErrorBound > 0 && r.meanErrorBound <= r.maxErrorBound);
  const d = Math.max(maxDiff(r.rowMax, ref.rowMax), maxDiff(r.colMax, ref.colMax));
  assert.ok(d <= r.maxErrorBound, `fast maxima off by ${d}, bound ${r.maxErrorBound}`);
  // The integer product is not exact: it differs from the true maxima somewhere.
  assert.ok(d > 1e-6, `fast maxima equal the exact ones (${d}): the integer product was not used`);
});

test('exact mode: a float32 block between screened ones leaves every maximum right', async () => {
  const rows = gaussRows(48, 96, 10);
  // Rows 16…31 are one vector v and columns 0…31 are v plus 1e-5 noise: every entry of that block
  // ties within the bound, so it is recomputed in float32; the blocks before and after are screened.
  for (let j = 17; j < 32; j++) rows[j] = rows[16];
  const yRows = gaussRows(64, 96, 11);
  const jitter = gaussRows(32, 96, 12);
  for (let k = 0; k < 32; k++) yRows[k] = rows[16].map((v, i) => v + 1e-5 * jitter[k][i]);
  const r = await checkExact('mixed blocks', unit(rows), unit(yRows), 16, 1e-6);
  assert.equal(r.float32Blocks, 1);
  assert.ok(r.refined > 0);
});

test('cancellation: an aborted signal stops the kernel between blocks', async () => {
  const engine = await cpu();
  const x = unit(gaussRows(20, 32, 13));
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(int8MaxAbsCosine(engine, x, x, { signal: ctl.signal }), /cancelled/);
});
