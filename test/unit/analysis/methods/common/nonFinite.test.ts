// The shared non-finite check (src/analysis/methods/common/nonFinite.ts) against counts made by hand, on
// a weight matrix read back from a safetensors fixture holding NaN and ±Inf in F32, F16 and BF16.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { countNonFinite, nonFiniteFlag } from '../../../../../src/analysis/methods/common/nonFinite';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readTensorF32 } from '../../../../../src/analysis/model/readRole';
import { tensorStats } from '../../../../../src/analysis/model/summary';
import { buildSafetensors } from '../../../../fixtures/safetensorsWriter';

test('counts NaN, +Inf and −Inf apart; finite extremes and −0 are finite', () => {
  assert.deepEqual(countNonFinite([1, NaN, Infinity, -Infinity, NaN, -0, 3.4e38, -3.4e38, Number.MIN_VALUE]), { nan: 2, posInf: 1, negInf: 1 });
  assert.deepEqual(countNonFinite(new Float32Array(1000)), { nan: 0, posInf: 0, negInf: 0 });
  assert.equal(nonFiniteFlag('layer 0 q', new Float32Array([1, 2])), null);
  const f = nonFiniteFlag('layer 2 v', [NaN, 1, Infinity, 2]);
  assert.deepEqual({ ...f, message: undefined }, { matrix: 'layer 2 v', nan: 1, posInf: 1, negInf: 0, message: undefined });
  assert.equal(f!.message, 'layer 2 v has 2 non-finite values of 4 (1 NaN, 1 +Inf); it is left out of this analysis rather than shown as NaN.');
});

test('a fixture with NaN/Inf weights in F32, F16 and BF16: the flag and tensor stats agree with the planted counts', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'll-nonfinite-'));
  try {
    const values = Float32Array.from({ length: 64 }, (_, i) => (i % 7) - 3);
    values[5] = NaN;
    values[17] = Infinity;
    values[40] = -Infinity;
    values[63] = NaN;
    const file = path.join(dir, 'nan.safetensors');
    writeFileSync(file, buildSafetensors((['F32', 'F16', 'BF16'] as const).map((dtype) => ({ name: `w_${dtype}`, dtype, shape: [8, 8], values }))));
    const model = await openModel(file);
    for (const dtype of ['F32', 'F16', 'BF16']) {
      const w = await readTensorF32(model, `w_${dtype}`);
      assert.deepEqual(countNonFinite(w), { nan: 2, posInf: 1, negInf: 1 }, dtype);
      assert.match(nonFiniteFlag(`w_${dtype}`, w)!.message, /has 4 non-finite values of 64 \(2 NaN, 1 \+Inf, 1 −Inf\)/);
      const s = await tensorStats(model, `w_${dtype}`);
      assert.equal(s.nanCount, 2);
      assert.equal(s.infCount, 2);
      // Statistics are over the 60 finite values only: no NaN leaks into them.
      const finite = [...values].filter(Number.isFinite);
      assert.equal(s.min, Math.min(...finite));
      assert.ok(Math.abs(s.mean! - finite.reduce((a, b) => a + b, 0) / finite.length) < 1e-12);
      assert.equal(
        s.histogram.counts.reduce((a, b) => a + b, 0),
        60,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
