// The singular vectors of the side that is not the Gram matrix's (the right ones of a wide matrix,
// the left ones of a tall one) are KS-tested a column block at a time, the block width set by the
// memory budget. The randomness must be that of the whole matrix of vectors from svd() tested at
// once (vectorPValues on every leading column), whether the budget forces blocks of a few vectors
// or allows one block, and the rest of the spectrum must not depend on the blocks.
import { test } from 'node:test';
import { engineForWidth } from '../../linalg/vectorBlockEngine';
import assert from 'node:assert/strict';
import { analyzeSpectrum, vectorPValues } from '../../../../../src/analysis/methods/spectra/spectrum';
import { svd } from '../../../../../src/analysis/linalg/svd';
import { setMemoryMarkListener } from '../../../../../src/analysis/linalg/memoryMarks';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import type { Engine } from '../../../../../src/analysis/engine/engine';
import type { Matrix, Matrix64 } from '../../../../../src/analysis/linalg/matrix';
import { gaussianMatrix, withLocalisedSpike } from './helpers';

/** The whole-matrix test: every vector of the side from svd() at once, those of σ > 1e-6·σ_max tested. */
async function wholeReference(W: Matrix, side: 'left' | 'right', engine: Engine) {
  const r = await svd({ rows: W.rows, cols: W.cols, data: W.data.slice() }, { left: side === 'left', right: side === 'right', engine });
  const vectors = (side === 'left' ? r.U : r.V) as Matrix64;
  let count = 0;
  while (count < r.s.length && r.s[count] > 1e-6 * r.s[0]) count++;
  return { s: r.s, length: vectors.rows, p: vectorPValues(vectors, count) };
}

/** The spectrum and how many blocks of the other side's vectors it went through. */
async function spectrumAndBlocks(W: Matrix, side: 'left' | 'right', engine: Engine) {
  let blocks = 0;
  const previous = setMemoryMarkListener((label) => {
    if (label.startsWith('svd: other side, vectors')) blocks++;
  });
  try {
    const spectrum = await analyzeSpectrum({ rows: W.rows, cols: W.cols, data: W.data.slice() }, { vectorSide: side, engine });
    return { spectrum, blocks };
  } finally {
    setMemoryMarkListener(previous);
  }
}

for (const [m, n] of [
  [120, 260],
  [260, 120],
]) {
  for (const side of ['right', 'left'] as const) {
    const other = m <= n === (side === 'right');
    test(`${m}×${n}, ${side} vectors: the KS randomness of ${other ? 'blocks of 9 vectors' : 'the Gram side'} is the whole matrix's`, async () => {
      // A localised spike, so that some vectors are far from random (p ≪ 0.05) beside the bulk.
      const W = withLocalisedSpike(gaussianMatrix(m, n, 0.02, m + n), 3, 8, 7).matrix;
      const tight = await engineForWidth(m, n, 9);
      const { spectrum, blocks } = await spectrumAndBlocks(W, side, tight);
      const reference = await wholeReference(W, side, tight);
      const v = spectrum.vectors;
      assert.ok(v && v.p);
      assert.equal(blocks, other ? Math.ceil(reference.p.length / 9) : 0);
      assert.deepEqual(spectrum.singularValues, Array.from(reference.s));
      assert.equal(v.side, side);
      assert.equal(v.length, reference.length);
      assert.equal(v.count, reference.p.length);
      assert.ok(v.p.some((p) => p < 0.05) && v.p.some((p) => p > 0.5), 'both random and structured vectors');
      for (let i = 0; i < v.count; i++) assert.ok(Math.abs(v.p[i] - reference.p[i]) <= 1e-12, `p${i}: ${v.p[i]} vs ${reference.p[i]}`);
      const below = reference.p.reduce((a, p) => a + (p < 0.05 ? 1 : 0), 0);
      assert.equal(v.fractionBelow05, below / v.count);
      assert.ok(Math.abs(v.meanP - reference.p.reduce((a, b) => a + b, 0) / v.count) <= 1e-12);

      // One block when the budget allows: the same spectrum (W's Gram matrix is summed over other
      // slices under the larger budget, so the values agree to rounding, not bit for bit).
      const roomy = await getEngine({ memoryBudgetMB: 4096 });
      const whole = await spectrumAndBlocks(W, side, roomy);
      assert.equal(whole.blocks, other ? 1 : 0);
      const w = whole.spectrum;
      assert.ok(w.vectors?.p && w.singularValues);
      assert.equal(w.vectors.count, v.count);
      for (let i = 0; i < v.count; i++) assert.ok(Math.abs(w.vectors.p[i] - v.p[i]) <= 1e-9, `p${i}: ${w.vectors.p[i]} vs ${v.p[i]}`);
      for (let i = 0; i < w.singularValues.length; i++) assert.ok(Math.abs(w.singularValues[i] - spectrum.singularValues![i]) <= 1e-12 * w.singularValues[0]);
      assert.ok(Math.abs(w.metrics.randDistance - spectrum.metrics.randDistance) <= 1e-9);
      assert.ok(Math.abs(w.metrics.stableRank - spectrum.metrics.stableRank) <= 1e-9 * w.metrics.stableRank);
    });
  }
}
