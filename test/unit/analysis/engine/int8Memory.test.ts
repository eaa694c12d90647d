import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docsPathOverride } from '../../../../src/analysis/engine/int8Calibration';
import { SCREEN_BYTES_PER_ELEMENT, screenBlockRows } from '../../../../src/analysis/engine/kernels/int8MaxAbsCosine';
import { int8CopyBytes, int8DocsMemory, int8QuantizingBytes } from '../../../../src/analysis/engine/kernels/int8Memory';
import { quantizeRows } from '../../../../src/analysis/engine/kernels/int8Quantize';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { randomMatrix } from './random';

const MiB = 2 ** 20;

test('int8 memory: the quantized copies take the bytes quantizeRows actually keeps', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 2 });
  const x = randomMatrix(37, 96, 3);
  for (const [levels, mode] of [
    [2, 'exact'],
    [1, 'fast'],
  ] as const) {
    const q = await quantizeRows(engine, x, levels);
    // Distinct buffers the entry keeps (qB is a view into pqB at two levels), plus the per-vector values.
    const buffers = new Set([q.qA, q.qB, q.qpA, q.pqB].filter((b) => b !== undefined).map((b) => b.buffer));
    let kept = 0;
    for (const b of buffers) kept += b.byteLength;
    const perVector = [q.scale, q.norm, q.normA, q.normR, q.normB, q.normAB, q.normE].reduce((s, v) => s + (v?.byteLength ?? 0), 0);
    assert.ok(int8CopyBytes(37, 96, mode) >= kept + perVector, `${mode}: ${int8CopyBytes(37, 96, mode)} < ${kept + perVector}`);
    assert.equal(kept, (mode === 'exact' ? 5 : 2) * 37 * 96);
  }
});

test('int8 memory: closed form of a 70B up_proj pair, and the budget it needs', () => {
  const m = 28672,
    n = 8192;
  const budget = 2048 * MiB;
  const r = int8DocsMemory(budget, m, m, n, 'exact');
  const screen = screenBlockRows(budget, m, m) * m * SCREEN_BYTES_PER_ELEMENT;
  assert.equal(r.float32Bytes, 8 * m * n);
  assert.equal(r.int8Bytes, 2 * (5 * m * n + 52 * m) + 3 * m * n + screen);
  assert.equal(r.totalBytes, r.float32Bytes + r.int8Bytes);
  assert.equal(r.fits, false);
  assert.match(r.reason ?? '', /quantized copies \(\d+ MiB\) and the two float32 matrices \(1792 MiB\) exceed the memory budget \(2048 MiB\)/);
  // 4096 MiB does not hold them either (≈ 4.6 GiB); 5 GiB does. Fast mode keeps 2 bytes a weight.
  assert.equal(int8DocsMemory(4096 * MiB, m, m, n, 'exact').fits, false);
  assert.equal(int8DocsMemory(5120 * MiB, m, m, n, 'exact').fits, true);
  const fast = int8DocsMemory(budget, m, m, n, 'fast');
  // While one is quantized, q and qᵀ stand in the WASM quantizer's memory: 2 bytes a weight.
  assert.equal(fast.int8Bytes, 2 * (2 * m * n + 52 * m) + 2 * m * n + screen);
  assert.equal(fast.fits, false);
  assert.equal(int8DocsMemory(4096 * MiB, m, m, n, 'fast').fits, true);
  assert.equal(int8QuantizingBytes(10, 20, 'fast'), 400);
  assert.equal(int8QuantizingBytes(10, 20, 'exact'), 600);
  // Exactly at the budget fits; one byte less does not (the screen block is the whole 100×80 C at either budget).
  const small = int8DocsMemory(1e9, 100, 80, 64, 'exact');
  assert.equal(small.totalBytes, 4 * 180 * 64 + 5 * 180 * 64 + 52 * 180 + 3 * 100 * 64 + 100 * 80 * SCREEN_BYTES_PER_ELEMENT);
  assert.equal(int8DocsMemory(small.totalBytes, 100, 80, 64, 'exact').fits, true);
  assert.equal(int8DocsMemory(small.totalBytes - 1, 100, 80, 64, 'exact').fits, false);
});

test('LAYER_LENS_DOCS_PATH: int8, float32, auto or unset; anything else is refused', () => {
  assert.equal(docsPathOverride({}), undefined);
  assert.equal(docsPathOverride({ LAYER_LENS_DOCS_PATH: 'auto' }), undefined);
  assert.equal(docsPathOverride({ LAYER_LENS_DOCS_PATH: 'INT8' }), 'always');
  assert.equal(docsPathOverride({ LAYER_LENS_DOCS_PATH: 'float32' }), 'never');
  assert.throws(() => docsPathOverride({ LAYER_LENS_DOCS_PATH: 'int4' }), /LAYER_LENS_DOCS_PATH must be int8, float32 or auto, got 'int4'/);
});
