// A matrix handed over in a box (MatrixBox) may be let go of during the decomposition when it and
// the decomposition would not fit the memory budget together, and is read again for rand_distance
// (and, for the other side's singular vectors, for W·v). The spectrum must be the one computed on a
// matrix that stays in memory, value for value: the same products on the same values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpectrum } from '../../../../../src/analysis/methods/spectra/spectrum';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { normalSource } from '../../../../../src/analysis/stats/random';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';

function weightLike(rows: number, cols: number, seed: number): Float32Array {
  const g = normalSource(seed);
  const data = Float32Array.from({ length: rows * cols }, () => 0.02 * g());
  // One strong direction, so that the spectrum has a spike beside the bulk.
  const u = Float32Array.from({ length: rows }, () => g() / Math.sqrt(rows));
  const v = Float32Array.from({ length: cols }, () => g() / Math.sqrt(cols));
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] += 3 * u[r] * v[c];
  return data;
}

function boxOf(rows: number, cols: number, data: Float32Array): { box: { matrix?: Matrix; reread: () => Promise<Matrix> }; reads: () => number } {
  let reads = 0;
  const box = {
    matrix: { rows, cols, data: data.slice() } as Matrix | undefined,
    reread: async () => {
      reads++;
      return { rows, cols, data: data.slice() };
    },
  };
  return { box, reads: () => reads };
}

// Gram orders above eigh's DENSE_MAX (384), so that stage one, its reflectors and the reuse of its
// work matrix for the vectors all run. The right vectors of the tall matrix are the Gram side's:
// its Gram matrix is formed first and W shuffled for rand_distance before the decomposition, never
// read again. Those of the wide one are the other side's (W·v, which needs W back): read once.
for (const [rows, cols, rereads] of [
  [640, 420, 0],
  [420, 640, 1],
]) {
  test(`${rows}×${cols}: let go of under a small budget, read back ${rereads} time(s), the same spectrum as kept in memory`, async () => {
    const data = weightLike(rows, cols, rows);
    // 1 MiB: W (≈ 1 MB) beside the decomposition (4·8·420² bytes) does not fit.
    const small = await getEngine({ memoryBudgetMB: 1 });
    const kept = await analyzeSpectrum({ rows, cols, data: data.slice() }, { engine: small });
    const { box, reads } = boxOf(rows, cols, data);
    const released = await analyzeSpectrum(box, { engine: small });
    assert.equal(reads(), rereads);
    assert.equal(box.matrix, undefined, 'the shuffled copy was let go of too');
    assert.ok(Number.isFinite(kept.metrics.randDistance) && kept.vectors && kept.vectors.count > 0);
    assert.deepEqual(released, kept);
  });
}

test('a boxed matrix that fits beside the decomposition is kept: not read again, the same spectrum', async () => {
  const [rows, cols] = [640, 420];
  const data = weightLike(rows, cols, 5);
  const engine = await getEngine({ memoryBudgetMB: 4096 });
  const kept = await analyzeSpectrum({ rows, cols, data: data.slice() }, { engine });
  const { box, reads } = boxOf(rows, cols, data);
  const boxed = await analyzeSpectrum(box, { engine });
  assert.equal(reads(), 0);
  assert.deepEqual(boxed, kept);
});

test('a let-go matrix whose vectors are untested or on the Gram side is never read again, and the spectrum is the kept one', async () => {
  const small = await getEngine({ memoryBudgetMB: 1 });
  for (const [rows, cols, opts] of [
    [640, 420, { randDistance: false }],
    [420, 640, { vectors: false }],
    [420, 640, { vectorSide: 'left' as const }],
  ] as const) {
    const data = weightLike(rows, cols, 7);
    const kept = await analyzeSpectrum({ rows, cols, data: data.slice() }, { ...opts, engine: small });
    const { box, reads } = boxOf(rows, cols, data);
    const released = await analyzeSpectrum(box, { ...opts, engine: small });
    assert.equal(reads(), 0, JSON.stringify(opts));
    assert.equal(box.matrix, undefined);
    assert.deepEqual(released, kept, JSON.stringify(opts));
  }
});
