// Closed-form identities of the correlation measures (methods.md §2) on in-memory matrices:
// cc(W, W) = 1, independent random ≈ 0 within a size-dependent bound, Wd = pinv(Wu) gives 1 for
// cc(pinv(Wu), Wd) and cc(Wd·Wu, I), orthogonal Q gives cc(QᵀQ, I) = 1, and the closed form of
// cc(AᵀB, I) equals the correlation computed over the explicitly formed product (float64 JS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { cc, ccProductIdentity, mlpCorrelations } from '../../../../../src/analysis/methods/correlations/measures';
import { regression } from '../../../../../src/analysis/methods/correlations/regression';
import { sampleIndices } from '../../../../../src/analysis/methods/correlations/values';
import { traceProducts } from '../../../../../src/analysis/engine/kernels/traceProducts';
import { pinv } from '../../../../../src/analysis/linalg/pinv';
import { randomMatrix } from '../../engine/random';
import { refCcIdentity, refLayer, refMul, refPearson, refT } from './reference';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

/** Q (n×d, n ≥ d) with orthonormal columns: modified Gram–Schmidt in float64 on a random matrix. */
function orthonormalColumns(n: number, d: number, seed: number): Matrix {
  const a = randomMatrix(n, d, seed);
  const cols = Array.from({ length: d }, (_, j) => Float64Array.from({ length: n }, (_, i) => a.data[i * d + j]));
  for (let j = 0; j < d; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += cols[j][i] * cols[p][i];
      for (let i = 0; i < n; i++) cols[j][i] -= dot * cols[p][i];
    }
    const norm = Math.hypot(...cols[j]);
    for (let i = 0; i < n; i++) cols[j][i] /= norm;
  }
  return { rows: n, cols: d, data: Float32Array.from({ length: n * d }, (_, k) => cols[k % d][Math.floor(k / d)]) };
}

test('cc(W, W) = 1 and cc(W, −W) = −1; cc is invariant to scaling and shifting either matrix', () => {
  const w = randomMatrix(24, 40, 1);
  assert.ok(Math.abs(cc(w, w, 'same') - 1) < 1e-12);
  const neg = { ...w, data: w.data.map((x) => -x) };
  assert.ok(Math.abs(cc(w, neg, 'negated') + 1) < 1e-12);
  const other = randomMatrix(24, 40, 2);
  const scaled = { ...other, data: other.data.map((x) => 3 * x + 0.5) };
  assert.ok(Math.abs(cc(w, scaled, 'affine') - refPearson(w.data, other.data)) < 1e-6);
  assert.throws(() => cc(w, randomMatrix(40, 24, 3), 'transposed shape'), /different shapes \(24×40 and 40×24\)/);
});

test('independent random matrices: |cc| < 5/√N for N entries, and cc(AᵀB, I) within 5/d of 0', async () => {
  // For independent entries the sample correlation of N pairs is ≈ N(0, 1/N): a 5σ bound fails by chance
  // with probability < 1e-6 per draw. cc(M, I) correlates d² entries of M with I, so σ ≈ 1/d.
  const engine = await cpu();
  for (const [rows, cols] of [
    [16, 64],
    [64, 64],
    [128, 256],
  ]) {
    const n = rows * cols;
    for (let seed = 10; seed < 14; seed++) {
      const r = cc(randomMatrix(rows, cols, seed), randomMatrix(rows, cols, seed + 100), 'independent');
      assert.ok(Math.abs(r) < 5 / Math.sqrt(n), `${rows}×${cols} seed ${seed}: cc = ${r}, bound ${5 / Math.sqrt(n)}`);
    }
    const m4 = await ccProductIdentity(engine, randomMatrix(rows, cols, 7), randomMatrix(rows, cols, 8));
    assert.ok(Math.abs(m4) < 5 / cols, `cc(AᵀB, I) for ${rows}×${cols}: ${m4}, bound ${5 / cols}`);
  }
});

test('orthogonal Q: cc(QᵀQ, I) = 1 for square Q and for tall Q with orthonormal columns, on both closed-form paths', async () => {
  const engine = await cpu();
  for (const [n, d] of [
    [12, 12],
    [40, 12],
    [8, 3],
  ]) {
    const q = orthonormalColumns(n, d, n * 31 + d);
    for (const path of ['gram', 'product'] as const) {
      const r = await traceProducts(engine, q, q, { path });
      assert.ok(Math.abs(r.ccIdentity - 1) < 1e-5, `${n}×${d} ${path}: ${r.ccIdentity}`);
    }
  }
});

test('closed form cc(AᵀB, I) equals cc over the explicitly formed product (small sizes, both paths, blocked)', async () => {
  const engine = await cpu();
  for (const [n, d, seed] of [
    [4, 16, 1],
    [16, 4, 2],
    [30, 30, 3],
    [7, 9, 4],
  ]) {
    const a = randomMatrix(n, d, seed),
      b = randomMatrix(n, d, seed + 50);
    // Shift B toward A on the diagonal-producing part so the value is far from 0.
    for (let i = 0; i < b.data.length; i++) b.data[i] += 0.8 * a.data[i] + 0.1;
    const expected = refCcIdentity(refMul(refT(a), b));
    for (const path of ['gram', 'product'] as const) {
      for (const blockRows of [undefined, 3]) {
        const r = (await traceProducts(engine, a, b, { path, blockRows })).ccIdentity;
        assert.ok(Math.abs(r - expected) < 2e-6, `${n}×${d} ${path} blocks ${blockRows}: ${r} vs ${expected}`);
      }
    }
    assert.ok(Math.abs((await ccProductIdentity(engine, a, b)) - expected) < 2e-6);
  }
});

test('Wd = pinv(Wu) gives cc(pinv(Wu), Wd) = 1 and cc(Wd·Wu, I) = 1; the other MLP measures match the explicit reference', async () => {
  const engine = await cpu();
  const ff = 48,
    d = 16;
  const up = randomMatrix(ff, d, 21),
    gate = randomMatrix(ff, d, 22);
  const down = await pinv(up, { engine }); // [d, ff]
  const r = await mlpCorrelations({ up, down, gate }, { engine });
  assert.ok(Math.abs(r.m7.pinvUp_down - 1) < 1e-6, `cc(pinv(Wu), Wd) = ${r.m7.pinvUp_down}`);
  assert.ok(Math.abs(r.m8.down_up - 1) < 1e-5, `cc(Wd·Wu, I) = ${r.m8.down_up}`);
  // Independent check of every value against explicit float64 products and (WᵀW)⁻¹Wᵀ.
  const ref = refLayer({ q: up, k: up, v: up, o: refT(up), up, down, gate }, 1, 1, ff);
  for (const [k, v] of Object.entries(r.m7)) assert.ok(Math.abs(v - ref.m7[k]) < 1e-5, `M7 ${k}: ${v} vs ${ref.m7[k]}`);
  for (const [k, v] of Object.entries(r.m8)) assert.ok(Math.abs(v - ref.m8[k]) < 1e-5, `M8 ${k}: ${v} vs ${ref.m8[k]}`);
  // Without a gate the gate measures are NaN (not applicable), the others unchanged.
  const noGate = await mlpCorrelations({ up, down }, { engine });
  assert.ok(Number.isNaN(noGate.m7.gate_up) && Number.isNaN(noGate.m7.gate_downT) && Number.isNaN(noGate.m8.down_gate));
  assert.equal(noGate.m8.down_up, r.m8.down_up);
  await assert.rejects(mlpCorrelations({ up, down: up }, { engine }), /expected down = \[d, ff\] for up = \[ff, d\]/);
});

test('M6 regression: an exact line gives its slope, intercept and r = ±1; non-finite pairs are skipped; too few heads give null', () => {
  const x = [0.1, -0.2, 0.3, 0.05, NaN, -0.4];
  const y = x.map((v) => 0.5 - 2 * v);
  const r = regression(x, y)!;
  assert.equal(r.n, 5);
  assert.ok(Math.abs(r.slope + 2) < 1e-12 && Math.abs(r.intercept - 0.5) < 1e-12 && Math.abs(r.r + 1) < 1e-12);
  // Noisy data: slope = r·sy/sx, the textbook identity, from an independent computation.
  const xs = Array.from(randomMatrix(1, 50, 5).data),
    ys = xs.map((v, i) => 0.3 * v + Math.sin(i));
  const fit = regression(xs, ys)!;
  const sd = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + (v - a.reduce((p, q) => p + q, 0) / a.length) ** 2, 0));
  assert.ok(Math.abs(fit.slope - (refPearson(xs, ys) * sd(ys)) / sd(xs)) < 1e-10);
  assert.equal(regression([1, 2], [3, 4]), null);
  assert.equal(regression([1, 1, 1], [3, 4, 5]), null);
});

test('value sampling: k distinct sorted indices, reproducible, everything when k ≥ n', () => {
  const s = sampleIndices(10_000, 500);
  assert.equal(s.length, 500);
  assert.ok(s.every((v, i) => Number.isInteger(v) && v >= 0 && v < 10_000 && (i === 0 || v > s[i - 1])));
  assert.deepEqual(sampleIndices(10_000, 500), s);
  assert.deepEqual(sampleIndices(5, 10), [0, 1, 2, 3, 4]);
});
