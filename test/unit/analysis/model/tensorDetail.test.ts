// The model editor's tensor detail, through tensorStats on safetensors files streamed in small
// chunks (chunk edges fall inside rows): the |W| image against a plain per-entry loop over the
// whole tensor, the top |w| against a full sort, the 6σ counts against a plain loop with σ from
// the two-pass formula, and the quantiles against numpy (test/oracles/tensor_quantiles.py).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DType } from '../../../../src/analysis/io/dtypes';
import { openModel } from '../../../../src/analysis/model/openModel';
import { tensorStats } from '../../../../src/analysis/model/summary';
import type { TensorDetail } from '../../../../src/analysis/model/tensorDetail';
import { QUANTILE_PROBS } from '../../../../src/analysis/stats/quantiles';
import { normalSource, uniformSource } from '../../../../src/analysis/stats/random';
import { cellRange } from '../../../../src/analysis/stats/weightImage';
import { roundTrip, writeSafetensors } from '../../../fixtures/safetensorsWriter';
import { oracleValues, quantileOracle, quantilesBySort } from '../stats/quantilesOracle';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'll-detail-'));
});
after(() => rm(root, { recursive: true, force: true }));

let fileNo = 0;
async function detailOf(dtype: DType, shape: number[], values: ArrayLike<number>, chunkBytes = 4096): Promise<{ detail: TensorDetail; stored: Float32Array }> {
  const p = join(root, `t${fileNo++}.safetensors`);
  await writeSafetensors(p, [{ name: 't', dtype, shape, values }]);
  const st = await tensorStats(await openModel(p), 't', { chunkBytes, detail: true });
  assert.ok(st.detail, 'detail computed');
  return { detail: st.detail, stored: roundTrip(dtype, values) };
}

/** Population σ by the two-pass formula over the finite values. */
function sigma(v: Float32Array): number {
  let s = 0,
    n = 0;
  for (const x of v) if (Number.isFinite(x)) ((s += x), n++);
  const m = s / n;
  let ss = 0;
  for (const x of v) if (Number.isFinite(x)) ss += (x - m) ** 2;
  return Math.sqrt(ss / n);
}

/** The 20 largest |w| by a full stable sort of every finite entry. */
function topBySort(v: Float32Array): { flat: number; value: number }[] {
  const idx = [...v.keys()].filter((i) => Number.isFinite(v[i]!));
  idx.sort((a, b) => Math.abs(v[b]!) - Math.abs(v[a]!) || a - b);
  return idx.slice(0, 20).map((flat) => ({ flat, value: v[flat]! }));
}

/** The image by a plain loop over every entry: cell of (r, c) is (⌊r·gr/rows⌋, ⌊c·gc/cols⌋). */
function imageByLoop(v: Float32Array, slices: number, rows: number, cols: number, gr: number, gc: number, threshold: number) {
  const max = new Array<number | null>(slices * gr * gc).fill(null);
  const sum = new Array<number>(slices * gr * gc).fill(0);
  const n = new Array<number>(slices * gr * gc).fill(0);
  const perCol = new Array<number>(gc).fill(0);
  for (let s = 0; s < slices; s++)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const x = v[(s * rows + r) * cols + c]!;
        if (!Number.isFinite(x)) continue;
        const col = Math.floor((c * gc) / cols);
        const k = (s * gr + Math.floor((r * gr) / rows)) * gc + col;
        max[k] = Math.max(max[k] ?? 0, Math.abs(x));
        sum[k] += Math.abs(x);
        n[k]++;
        if (Math.abs(x) > threshold) perCol[col]++;
      }
  return { max, mean: sum.map((s, k) => (n[k]! > 0 ? s / n[k]! : null)), perCol };
}

function checkImage(d: TensorDetail, v: Float32Array, slices: number, rows: number, cols: number, gr: number, gc: number) {
  const img = d.image!;
  assert.deepEqual([img.slices, img.rows, img.cols, img.gridRows, img.gridCols], [slices, rows, cols, gr, gc]);
  const want = imageByLoop(v, slices, rows, cols, gr, gc, d.outlierThreshold);
  assert.deepEqual(img.max, want.max);
  img.mean.forEach((m, k) => assert.ok(m === want.mean[k] || Math.abs(m! - want.mean[k]!) <= 1e-12 * want.mean[k]!, `mean cell ${k}: ${m} vs ${want.mean[k]}`));
  assert.deepEqual(img.outliersPerColumnCell, want.perCol);
  assert.equal(
    d.outlierCount,
    want.perCol.reduce((a, b) => a + b, 0),
  );
}

test('F32 matrix [300, 517] with outliers and NaN/Inf: pooled image, top 20, 6σ column counts, exact quantiles', async () => {
  const rows = 300,
    cols = 517;
  const normal = normalSource(11);
  const v = new Float32Array(rows * cols).map(() => 0.02 * normal());
  // Outlier features: two columns with large entries in many rows, as LLM.int8() describes.
  for (let r = 0; r < rows; r += 7) ((v[r * cols + 40] = 0.5 + r / 1000), (v[r * cols + 401] = -0.3 - r / 2000));
  v[17] = NaN;
  v[5000] = Infinity;
  v[cols * rows - 1] = -Infinity;
  const { detail, stored } = await detailOf('F32', [rows, cols], v);
  const s = sigma(stored);
  assert.ok(Math.abs(detail.outlierThreshold - 6 * s) <= 1e-9 * s, `threshold ${detail.outlierThreshold} vs 6σ ${6 * s}`);
  checkImage(detail, stored, 1, rows, cols, 256, 256);
  assert.ok(detail.outlierCount >= 86, `outliers ${detail.outlierCount}`);
  assert.deepEqual(
    detail.top,
    topBySort(stored).map(({ flat, value }) => ({ at: [Math.floor(flat / cols), flat % cols], value })),
  );
  assert.equal(detail.quantiles.method, 'exact');
  const q = quantilesBySort(stored, QUANTILE_PROBS);
  assert.deepEqual(detail.quantiles.values, q.values);
  assert.deepEqual(detail.quantiles.abs, q.abs);
  assert.equal(detail.quantiles.count, rows * cols - 3);
});

test('cell ranges cover every row once, in order, and agree with the cell each row is pooled into', () => {
  for (const [n, g] of [
    [300, 256],
    [517, 256],
    [24, 24],
    [1000, 61],
  ] as const) {
    let next = 0;
    for (let cell = 0; cell < g; cell++) {
      const [a, b] = cellRange(cell, n, g);
      assert.equal(a, next, `n ${n} g ${g} cell ${cell}`);
      for (let i = a; i <= b; i++) assert.equal(Math.floor((i * g) / n), cell);
      next = b + 1;
    }
    assert.equal(next, n);
  }
});

test('quantiles through tensorStats equal numpy’s: F32 with NaN/Inf, 1-D ties, BF16 (exact from the bf16 bins)', async () => {
  for (const [key, dtype] of [
    ['f32_heavy', 'F32'],
    ['f32_ties', 'F32'],
    ['bf16', 'BF16'],
  ] as const) {
    const c = quantileOracle[key];
    const { detail } = await detailOf(dtype, c.shape, oracleValues(c), 1000);
    assert.equal(detail.quantiles.method, 'exact', key);
    detail.quantiles.values.forEach((g, i) =>
      assert.ok(Math.abs(g - c.quantiles[i]!) <= 1e-12 * Math.abs(c.quantiles[i]!), `${key} [${i}] ${g} vs ${c.quantiles[i]}`),
    );
    detail.quantiles.abs.forEach((g, i) => assert.ok(Math.abs(g - c.abs_quantiles[i]!) <= 1e-12 * Math.abs(c.abs_quantiles[i]!), `${key} |w| [${i}]`));
  }
});

test('BF16 stacked experts [70, 24, 500]: one grid per expert within the cell budget (24 × 61), top 20 as [expert, row, column]', async () => {
  const [e, rows, cols] = [70, 24, 500];
  const rand = uniformSource(3);
  const v = new Float32Array(e * rows * cols).map(() => (rand() - 0.5) * 0.1);
  v[(33 * rows + 5) * cols + 499] = 3; // one hot expert entry
  const { detail, stored } = await detailOf('BF16', [e, rows, cols], v, 10_000);
  // ⌊√(2¹⁸ / 70)⌋ = 61 cells a side; the 24 rows stay unpooled.
  checkImage(detail, stored, e, rows, cols, 24, 61);
  assert.deepEqual(detail.top[0], { at: [33, 5, 499], value: 3 });
  assert.deepEqual(
    detail.top,
    topBySort(stored).map(({ flat, value }) => ({ at: [Math.floor(flat / (rows * cols)), Math.floor(flat / cols) % rows, flat % cols], value })),
  );
  // BF16 at any size: exact from the bins, equal to sorting every value.
  assert.equal(detail.quantiles.method, 'exact');
  const q = quantilesBySort(stored, QUANTILE_PROBS);
  assert.deepEqual(detail.quantiles.values, q.values);
  assert.deepEqual(detail.quantiles.abs, q.abs);
});

test('1-D tensor: no image; top 20 and the 6σ count by a plain loop', async () => {
  const normal = normalSource(5);
  const v = new Float32Array(4096).map(() => normal());
  v[100] = 9;
  v[200] = -12;
  const { detail, stored } = await detailOf('F16', [4096], v);
  assert.equal(detail.image, undefined);
  const t = 6 * sigma(stored);
  assert.equal(detail.outlierCount, stored.filter((x) => Math.abs(x) > t).length);
  assert.equal(detail.outlierCount, 2);
  assert.deepEqual(
    detail.top,
    topBySort(stored).map(({ flat, value }) => ({ at: [flat], value })),
  );
});

test('without detail, tensorStats returns no detail (the CLI’s statistics stay as they were)', async () => {
  const p = join(root, 'plain.safetensors');
  await writeSafetensors(p, [{ name: 't', dtype: 'F32', shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }]);
  const st = await tensorStats(await openModel(p), 't');
  assert.equal(st.detail, undefined);
});
