// The entry-shuffled matrix's histogram kept with every spectrum, against the eigenvalues of the
// shuffled matrix's Gram matrix found here by cyclic Jacobi rotations in float64 (no code shared
// with the SVD or the histogram under test; the shuffle is stats/random.ts's seeded Fisher–Yates,
// the definition of "the same seed"), binned here by comparing with the bin edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpectrum, DEFAULT_SHUFFLE_SEED } from '../../../../../src/analysis/methods/spectra/spectrum';
import { shuffled } from '../../../../../src/analysis/stats/random';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { gaussianMatrix } from './helpers';

/** Eigenvalues of a symmetric n×n matrix (row-major) by cyclic Jacobi rotations. */
function jacobiEigenvalues(a: Float64Array, n: number): number[] {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p],
            akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k],
            aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => m[i * n + i]);
}

/** Singular values of W (rows ≥ cols) as √ of the eigenvalues of WᵀW. */
function singularValuesByJacobi(W: Matrix): number[] {
  const { rows, cols, data } = W;
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += data[r * cols + i] * data[r * cols + j];
      g[i * cols + j] = s;
    }
  return jacobiEigenvalues(g, cols).map((l) => Math.sqrt(Math.max(0, l)));
}

/** A Gaussian matrix with two strong rank-one directions: its spectrum has spikes, the shuffled one has none. */
function spikedMatrix(rows: number, cols: number): Matrix {
  const W = gaussianMatrix(rows, cols, 0.05, 11);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) W.data[r * cols + c] += 0.6 * Math.sin(r + 1) * Math.cos(2 * c) + 0.4 * Math.cos(3 * r) * Math.sin(c + 0.5);
  return W;
}

function countIn(values: number[], hi: number, bins: number): number[] {
  const width = hi / bins;
  return Array.from({ length: bins }, (_, k) => values.filter((v) => v >= k * width && (v < (k + 1) * width || (k === bins - 1 && v <= hi))).length);
}

test('the shuffled histogram counts the shuffled matrix’s singular values on the ESD bins', async () => {
  for (const [rows, cols, seed] of [
    [48, 20, DEFAULT_SHUFFLE_SEED],
    [90, 36, 1234],
  ] as const) {
    const W = spikedMatrix(rows, cols);
    const spectrum = await analyzeSpectrum({ rows, cols, data: W.data.slice() }, { seed });
    const h = spectrum.shuffled;
    assert.ok(h, 'kept with the values');
    const nu = singularValuesByJacobi(W);
    const nuShuffled = singularValuesByJacobi({ rows, cols, data: shuffled(W.data, seed) });
    // The bins: about 2√n of them (10 to 80) over [0, 1.03 · max(ν, ν shuffled, MP tolerant edge)].
    const bins = Math.max(10, Math.min(80, Math.round(2 * Math.sqrt(cols))));
    assert.equal(h.counts.length, bins);
    const top = Math.max(...nu, ...nuShuffled, spectrum.mp!.upperTolerant);
    assert.ok(Math.abs(h.hi - 1.03 * top) < 1e-9 * top, `hi ${h.hi} vs ${1.03 * top}`);
    // No value within rounding of an edge, so the comparison below is exact.
    const width = h.hi / bins;
    for (const v of nuShuffled) assert.ok(Math.abs(v / width - Math.round(v / width)) > 1e-6, `ν = ${v} sits on an edge`);
    assert.deepEqual(h.counts, countIn(nuShuffled, h.hi, bins));
    assert.equal(
      h.counts.reduce((a, b) => a + b, 0),
      cols,
      'one count per eigenvalue',
    );
    // The structure the shuffle destroys: the spikes are outside the shuffled spectrum.
    assert.notDeepEqual(h.counts, countIn(nu, h.hi, bins));
    assert.ok(Math.max(...nu) > 1.5 * Math.max(...nuShuffled));
  }
});

test('the histogram is absent without rand_distance, without kept values, and for a constant matrix', async () => {
  const W = gaussianMatrix(30, 12, 1, 5);
  assert.equal((await analyzeSpectrum({ ...W, data: W.data.slice() }, { randDistance: false })).shuffled, undefined);
  assert.equal((await analyzeSpectrum({ ...W, data: W.data.slice() }, { keepValues: false })).shuffled, undefined);
  assert.equal((await analyzeSpectrum({ rows: 4, cols: 3, data: new Float32Array(12).fill(2) })).shuffled, undefined);
  // A consumed matrix (shuffled in place) gives the same histogram as a kept one.
  const kept = await analyzeSpectrum({ ...W, data: W.data.slice() });
  const consumed = await analyzeSpectrum({ ...W, data: W.data.slice() }, { consume: true });
  assert.deepEqual(consumed.shuffled, kept.shuffled);
});
