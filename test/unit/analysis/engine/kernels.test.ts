import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { matmul } from '../../../../src/analysis/engine/kernels/matmul';
import { columnNormalize } from '../../../../src/analysis/engine/kernels/columnNormalize';
import { maxAbsCosine, planBlocks } from '../../../../src/analysis/engine/kernels/maxAbsCosine';
import { pearson } from '../../../../src/analysis/engine/kernels/pearson';
import type { Matrix } from '../../../../src/analysis/linalg/matrix';
import { maxAbsDiff, randomArray, randomMatrix, referenceMatmul } from './random';

const cpu = () => getEngine({ providers: ['cpu'], threads: 1 });

test('matmul matches a float64 triple loop for every transpose combination', async () => {
  const engine = await cpu();
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const a = transA ? randomMatrix(13, 7, 1) : randomMatrix(7, 13, 1);
    const b = transB ? randomMatrix(5, 13, 2) : randomMatrix(13, 5, 2);
    const c = await matmul(engine, a, b, { transA, transB });
    assert.deepEqual([c.rows, c.cols], [7, 5]);
    assert.ok(maxAbsDiff(c.data, referenceMatmul(a, b, transA, transB)) < 1e-5, `transA=${transA} transB=${transB}`);
  }
});

test('matmul rejects mismatched inner dimensions with both shapes in the message', async () => {
  const engine = await cpu();
  await assert.rejects(matmul(engine, randomMatrix(3, 4, 1), randomMatrix(5, 2, 2)), /inner dimensions differ \(a is 3×4, b is 5×2\)/);
});

/** Plain JS reference: cosines between columns, then row and column maxima of |C|. */
function referenceMaxAbsCosine(x: Matrix, y: Matrix): { rowMax: Float64Array; colMax: Float64Array } {
  const n = x.rows;
  const norms = (z: Matrix) =>
    Float64Array.from({ length: z.cols }, (_, j) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += z.data[i * z.cols + j] ** 2;
      return Math.sqrt(s);
    });
  const nx = norms(x),
    ny = norms(y);
  const rowMax = new Float64Array(x.cols),
    colMax = new Float64Array(y.cols);
  for (let j = 0; j < x.cols; j++)
    for (let k = 0; k < y.cols; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += x.data[i * x.cols + j] * y.data[i * y.cols + k];
      const c = nx[j] && ny[k] ? Math.abs(dot / (nx[j] * ny[k])) : 0;
      rowMax[j] = Math.max(rowMax[j], c);
      colMax[k] = Math.max(colMax[k], c);
    }
  return { rowMax, colMax };
}

test('columnNormalize gives unit columns, transposed on request, zero columns stay zero', async () => {
  const engine = await cpu();
  const x = randomMatrix(6, 4, 3);
  for (let i = 0; i < 6; i++) x.data[i * 4 + 2] = 0;
  const xn = await columnNormalize(engine, x);
  const xt = await columnNormalize(engine, x, { transpose: true });
  assert.deepEqual([xt.rows, xt.cols], [4, 6]);
  for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let i = 0; i < 6; i++) {
      s += xn.data[i * 4 + j] ** 2;
      assert.equal(xt.data[j * 6 + i], xn.data[i * 4 + j]);
    }
    assert.ok(Math.abs(s - (j === 2 ? 0 : 1)) < 1e-6, `column ${j} squared norm ${s}`);
  }
});

test('maxAbsCosine matches the reference in one block and in ragged blocks', async () => {
  const engine = await cpu();
  const x = randomMatrix(9, 23, 4),
    y = randomMatrix(9, 17, 5);
  const ref = referenceMaxAbsCosine(x, y);
  // Block sizes that do not divide 23 or 17, blocks of one row/column, and blocks larger than the matrix.
  for (const [blockRows, blockCols] of [
    [undefined, undefined],
    [5, 4],
    [1, 17],
    [23, 1],
    [7, 100],
    [64, 3],
  ]) {
    const r = await maxAbsCosine(engine, x, y, { blockRows, blockCols });
    assert.ok(maxAbsDiff(r.rowMax, ref.rowMax) < 1e-6, `rowMax, blocks ${blockRows}×${blockCols}`);
    assert.ok(maxAbsDiff(r.colMax, ref.colMax) < 1e-6, `colMax, blocks ${blockRows}×${blockCols}`);
    if (blockRows) assert.equal(r.blocks, Math.ceil(23 / blockRows) * Math.ceil(17 / (blockCols as number)));
  }
});

test('maxAbsCosine of a matrix with itself is 1 everywhere; sign flips and scaling do not matter', async () => {
  const engine = await cpu();
  const x = randomMatrix(16, 10, 6);
  const y: Matrix = { rows: 16, cols: 10, data: x.data.map((v, i) => v * ((i % 10) % 2 ? -3 : 0.5)) };
  const r = await maxAbsCosine(engine, x, y, { blockRows: 3, blockCols: 4 });
  for (const v of [...r.rowMax, ...r.colMax]) assert.ok(Math.abs(v - 1) < 1e-6, `|cos| ${v}`);
});

test('maxAbsCosine: zero columns give 0, mismatched lengths are a clear error, progress counts blocks', async () => {
  const engine = await cpu();
  const x = randomMatrix(5, 3, 7),
    y = randomMatrix(5, 4, 8);
  for (let i = 0; i < 5; i++) x.data[i * 3 + 1] = 0;
  const seen: number[] = [];
  const r = await maxAbsCosine(engine, x, y, { blockRows: 2, blockCols: 3, onProgress: (p) => seen.push(p.done / p.total) });
  assert.equal(r.rowMax[1], 0);
  assert.deepEqual(seen, [0.25, 0.5, 0.75, 1]);
  await assert.rejects(maxAbsCosine(engine, x, randomMatrix(6, 3, 9)), /same length \(X is 5×3, Y is 6×3\)/);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(maxAbsCosine(engine, x, y, { signal: ac.signal }), /cancelled/);
});

test('planBlocks keeps a block within the budget and uses one block when all of C fits', async () => {
  const small = await getEngine({ providers: ['cpu'], threads: 1, memoryBudgetMB: 64 });
  const budget = 64 * 1024 * 1024;
  const cost = (p: { blockRows: number; blockCols: number }, n: number) => 8 * p.blockRows * p.blockCols + 4 * n * (p.blockRows + p.blockCols);
  const square = planBlocks(small, 14336, 4096, 4096);
  assert.ok(cost(square, 14336) <= budget && square.blockRows >= 256 && square.blockRows === square.blockCols, JSON.stringify(square));
  // Few columns in Y: the rows of a block grow to use the budget.
  const narrow = planBlocks(small, 1024, 200000, 100);
  assert.equal(narrow.blockCols, 100);
  assert.ok(cost(narrow, 1024) <= budget && narrow.blockRows > 10000, JSON.stringify(narrow));
  const big = await getEngine({ providers: ['cpu'], threads: 1, memoryBudgetMB: 4096 });
  assert.deepEqual(planBlocks(big, 14336, 4096, 4096), { blockRows: 4096, blockCols: 4096 });
  assert.deepEqual(planBlocks(big, 4096, 14336, 14336), { blockRows: 14336, blockCols: 14336 });
});

test('pearson: float64 two-pass matches the textbook formula, is ±1 for affine maps, NaN for constants', () => {
  const a = randomArray(1000, 10),
    b = randomArray(1000, 11);
  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a),
    mb = mean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  assert.ok(Math.abs(pearson(a, b) - sab / Math.sqrt(saa * sbb)) < 1e-12);
  assert.ok(
    Math.abs(
      pearson(
        a,
        a.map((v) => 3 * v + 2),
      ) - 1,
    ) < 1e-14,
  );
  assert.ok(
    Math.abs(
      pearson(
        a,
        a.map((v) => -0.5 * v),
      ) + 1,
    ) < 1e-14,
  );
  // A large common offset would wreck the one-pass formula in float32; two-pass float64 keeps it.
  const f = Float32Array.from(a, (v) => 1000 + v),
    g = Float32Array.from(a, (v) => 1000 + v + 0.001 * Math.sin(v));
  assert.ok(pearson(f, g) > 0.9999);
  assert.ok(Number.isNaN(pearson(new Float32Array(5).fill(2), Float32Array.of(1, 2, 3, 4, 5))));
  assert.throws(() => pearson(new Float32Array(3), new Float32Array(4)), /different sizes \(3 and 4 values\)/);
});
