import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { LEVEL2_RATIO, quantizeRows, type QuantizedRows } from '../../../../src/analysis/engine/kernels/int8Quantize';
import type { Matrix } from '../../../../src/analysis/linalg/matrix';
import { gaussian, rng } from './random';

// The integer screen's error bound, checked against the exact error: every quantity below is
// computed here from the definition (integers in plain JS numbers, float64 dots), not by the kernel.

function unitRows(rows: number[][]): Matrix {
  const n = rows[0].length;
  const data = new Float32Array(rows.length * n);
  rows.forEach((r, j) => {
    const norm = Math.hypot(...r);
    r.forEach((v, i) => (data[j * n + i] = norm > 0 ? v / norm : 0));
  });
  return { rows: rows.length, cols: n, data };
}

function randomRows(m: number, n: number, seed: number, shape: (g: number, i: number) => number = (g) => g): number[][] {
  const rand = rng(seed);
  return Array.from({ length: m }, () => Array.from({ length: n }, (_, i) => shape(gaussian(rand), i)));
}

/** q, p of row j recovered from the operand layouts (also checks that the layouts agree). */
function levels(qr: QuantizedRows, j: number): { q: number[]; p: number[] } {
  const { n, m } = qr;
  const q = Array.from({ length: n }, (_, i) => qr.qA[j * n + i] - 128);
  const p = Array.from({ length: n }, (_, i) => (qr.qpA as Uint8Array)[j * 2 * n + n + i] - 128);
  for (let i = 0; i < n; i++) {
    assert.equal(qr.qB[i * m + j], q[i]);
    assert.equal((qr.qpA as Uint8Array)[j * 2 * n + i] - 128, q[i]);
    assert.equal((qr.pqB as Int8Array)[i * m + j], p[i]);
    assert.equal((qr.pqB as Int8Array)[(n + i) * m + j], q[i]);
  }
  return { q, p };
}

/** max over pairs of |x·y − v| / ε for the two-level screen value v and its bound ε (must stay ≤ 1). */
const cpu = () => getEngine({ providers: ['cpu'], threads: 2 });
const quantize = async (x: Matrix, levels: 1 | 2 = 2) => quantizeRows(await cpu(), x, levels);

async function worstRatio(x: Matrix, y: Matrix): Promise<{ exact: number; fast: number }> {
  const qx = await quantize(x),
    qy = await quantize(y);
  const n = x.cols;
  let exact = 0,
    fast = 0;
  const lx = Array.from({ length: x.rows }, (_, j) => levels(qx, j));
  const ly = Array.from({ length: y.rows }, (_, k) => levels(qy, k));
  for (let j = 0; j < x.rows; j++)
    for (let k = 0; k < y.rows; k++) {
      let dot = 0,
        g1 = 0,
        g2 = 0;
      for (let i = 0; i < n; i++) {
        dot += x.data[j * n + i] * y.data[k * n + i];
        g1 += lx[j].q[i] * ly[k].q[i];
        g2 += lx[j].q[i] * ly[k].p[i] + lx[j].p[i] * ly[k].q[i];
      }
      const ss = qx.scale[j] * qy.scale[k];
      // The screen's value in float32 arithmetic, as the graph forms it.
      const f = Math.fround;
      const v = f(f(f(f(g1) + f(f(g2) * f(1 / LEVEL2_RATIO))) * qx.scale[j]) * qy.scale[k]);
      const [bx, abx, ex] = [qx.normB, qx.normAB, qx.normE].map((a) => (a as Float64Array)[j]);
      const [by, ey] = [qy.normB, qy.normE].map((a) => (a as Float64Array)[k]);
      const eps = bx * by + abx * ey + ex * qy.norm[k] + 8 * 2 ** -24 * (qx.normA[j] + bx) * (qy.normA[k] + by);
      exact = Math.max(exact, Math.abs(dot - v) / eps);
      const vFast = f(f(f(g1) * qx.scale[j]) * qy.scale[k]);
      const epsFast = qx.normR[j] * qy.norm[k] + qx.normA[j] * qy.normR[k] + 4 * 2 ** -24 * qx.normA[j] * qy.normA[k];
      fast = Math.max(fast, Math.abs(dot - vFast) / epsFast);
      assert.ok(Math.abs(dot - ss * g1) <= epsFast * (1 + 1e-9), `fast bound, pair ${j},${k}`);
    }
  return { exact, fast };
}

test('quantization: |q|, |p| ≤ 127, the norms are those of the parts, x = s·q + (s/254)·p + e', async () => {
  const x = unitRows(randomRows(6, 300, 1, (g, i) => (i === 7 ? 40 * g : g)));
  const qr = await quantize(x);
  for (let j = 0; j < x.rows; j++) {
    const { q, p } = levels(qr, j);
    const s = qr.scale[j],
      t = s / LEVEL2_RATIO;
    assert.equal(Math.max(...q.map(Math.abs)), 127, 'the largest element maps to ±127');
    assert.ok(p.every((v) => Math.abs(v) <= 127));
    let sx = 0,
      sa = 0,
      sb = 0,
      se = 0,
      sr = 0;
    for (let i = 0; i < x.cols; i++) {
      const xi = x.data[j * x.cols + i];
      const e = xi - s * q[i] - t * p[i];
      assert.ok(Math.abs(xi - s * q[i]) <= s / 2 + 1e-12, 'level 1 rounds to nearest');
      assert.ok(Math.abs(e) <= t / 2 + 1e-12, 'level 2 rounds to nearest');
      sx += xi * xi;
      sa += (s * q[i]) ** 2;
      sb += (t * p[i]) ** 2;
      se += e * e;
      sr += (xi - s * q[i]) ** 2;
    }
    const close = (a: number, b: number) => assert.ok(a >= b && a <= b * (1 + 1e-9) + 1e-15, `${a} vs ${b}`);
    close(qr.norm[j], Math.sqrt(sx));
    close(qr.normA[j], Math.sqrt(sa));
    close((qr.normB as Float64Array)[j], Math.sqrt(sb));
    close((qr.normE as Float64Array)[j], Math.sqrt(se));
    close(qr.normR[j], Math.sqrt(sr));
  }
});

test('quantization: a zero vector stays zero; NaN is refused with the vector named', async () => {
  const x = unitRows([
    [0, 0, 0, 0],
    [1, -2, 3, 0.5],
  ]);
  const qr = await quantize(x);
  assert.equal(qr.scale[0], 0);
  assert.equal(qr.norm[0], 0);
  assert.deepEqual(Array.from(qr.qA.subarray(0, 4)), [128, 128, 128, 128]);
  const bad = { rows: 2, cols: 2, data: Float32Array.of(1, 0, NaN, 1) };
  await assert.rejects(quantize(bad, 1), /vector 1 holds a NaN or Inf/);
});

test('bound: never exceeded on random, heavy-tailed and sparse vectors', async () => {
  const cases: [string, Matrix, Matrix][] = [
    ['gaussian', unitRows(randomRows(24, 257, 2)), unitRows(randomRows(24, 257, 3))],
    ['heavy tails', unitRows(randomRows(16, 200, 4, (g) => g ** 3)), unitRows(randomRows(16, 200, 5, (g) => Math.sinh(2 * g)))],
    ['sparse', unitRows(randomRows(16, 128, 6, (g, i) => (i % 9 ? 0 : g))), unitRows(randomRows(16, 128, 7, (g, i) => (i % 4 ? 0 : g)))],
  ];
  for (const [name, x, y] of cases) {
    const r = await worstRatio(x, y);
    assert.ok(r.exact <= 1, `${name}: two-level error reaches ${r.exact} of its bound`);
    assert.ok(r.fast <= 1, `${name}: one-level error reaches ${r.fast} of its bound`);
  }
});

test('bound: adversarial vectors aligned with the quantization residuals', async () => {
  // y built from x's own residuals makes the Cauchy–Schwarz terms nearly tight.
  const x = unitRows(randomRows(8, 150, 8));
  const qx = await quantize(x);
  const rows: number[][] = [];
  for (let j = 0; j < x.rows; j++) {
    const { q, p } = levels(qx, j);
    const s = qx.scale[j],
      t = s / LEVEL2_RATIO;
    const r = Array.from({ length: x.cols }, (_, i) => x.data[j * x.cols + i] - s * q[i]);
    const e = r.map((v, i) => v - t * p[i]);
    rows.push(
      r,
      e,
      r.map((v, i) => v + (i % 2 ? 1e-3 : -1e-3)),
      p.map((v) => v + 0.5),
    );
  }
  // Values exactly halfway between quantization steps, and a single spike.
  rows.push(Array.from({ length: x.cols }, (_, i) => (i === 0 ? 127 : (i % 127) + 0.5)));
  rows.push(Array.from({ length: x.cols }, (_, i) => (i === 3 ? 1 : 1e-6 * i)));
  const y = unitRows(rows);
  const r = await worstRatio(x, y);
  console.log(`adversarial: error / bound up to ${r.exact.toFixed(3)} (two-level), ${r.fast.toFixed(3)} (one-level)`);
  assert.ok(r.exact <= 1, `two-level error reaches ${r.exact} of its bound`);
  assert.ok(r.fast <= 1, `one-level error reaches ${r.fast} of its bound`);
  // The adversarial set gets the fast bound within a factor of a few: it is not vacuous.
  assert.ok(r.fast > 0.2, `fast bound is loose by ${1 / r.fast}× even on residual-aligned vectors`);
  assert.ok(r.exact > 0.1, `two-level bound is loose by ${1 / r.exact}× even on residual-aligned vectors`);
});
