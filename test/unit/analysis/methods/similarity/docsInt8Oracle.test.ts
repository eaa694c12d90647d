import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { quantizeRows } from '../../../../../src/analysis/engine/kernels/int8Quantize';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { docsOfNormalized } from '../../../../../src/analysis/methods/similarity/docs';

// The integer path against test/oracles/docs_int8.py (numpy + scipy, written from the definition in
// docs/methods.md): the quantization itself, and DOCS of fixed matrices (unrelated, planted
// near-duplicates, near ties) computed in float64.

interface OracleCase {
  name: string;
  x: number[][];
  y: number[][];
  docs: number;
  rowMax: number[];
  colMax: number[];
  boundRatio: number;
}
interface Oracle {
  quantization: { x: number[][]; scale: number[]; q: number[][]; p: number[][] } & Record<'norm' | 'normA' | 'normR' | 'normB' | 'normAB' | 'normE', number[]>;
  docs: OracleCase[];
}

const oracle: Oracle = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../oracles/docs_int8.json'), 'utf8'));
const cpu = () => getEngine({ providers: ['cpu'], threads: 2 });
const matrix = (rows: number[][]): Matrix => ({ rows: rows.length, cols: rows[0].length, data: Float32Array.from(rows.flat()) });

test('quantization equals the numpy definition: scales, both integer levels, every norm', async () => {
  const o = oracle.quantization;
  const x = matrix(o.x);
  const q = await quantizeRows(await cpu(), x, 2);
  const n = x.cols;
  assert.deepEqual(Array.from(q.scale), o.scale);
  for (let j = 0; j < x.rows; j++) {
    assert.deepEqual(
      Array.from(q.qA.subarray(j * n, (j + 1) * n), (v) => v - 128),
      o.q[j],
      `q of row ${j}`,
    );
    assert.deepEqual(
      Array.from((q.qpA as Uint8Array).subarray(j * 2 * n + n, (j + 1) * 2 * n), (v) => v - 128),
      o.p[j],
      `p of row ${j}`,
    );
  }
  for (const key of ['norm', 'normA', 'normR', 'normB', 'normAB', 'normE'] as const) {
    const ours = q[key] as Float64Array;
    o[key].forEach((v, j) => assert.ok(ours[j] >= v * (1 - 1e-15) && ours[j] <= v * (1 + 1e-9) + 1e-15, `${key}[${j}]: ${ours[j]} vs ${v}`));
  }
});

test('exact integer path: DOCS and every maximum equal the float64 oracle', async () => {
  const engine = await cpu();
  for (const c of oracle.docs) {
    // The oracle's own check of the bound on these matrices (exact arithmetic): never exceeded.
    assert.ok(c.boundRatio <= 1 && c.boundRatio > 0.01, `${c.name}: oracle bound ratio ${c.boundRatio}`);
    const r = await docsOfNormalized(engine, matrix(c.x), matrix(c.y), { integer: 'always' });
    assert.equal(r.docsPath, 'int8-refined');
    assert.ok(Math.abs(r.docs - c.docs) <= 1e-6, `${c.name}: DOCS ${r.docs} vs ${c.docs}`);
    c.rowMax.forEach((v, j) => assert.ok(Math.abs(r.rowMax[j] - v) <= 2 ** -24, `${c.name}: row ${j} ${r.rowMax[j]} vs ${v}`));
    c.colMax.forEach((v, k) => assert.ok(Math.abs(r.colMax[k] - v) <= 2 ** -24, `${c.name}: column ${k} ${r.colMax[k]} vs ${v}`));
  }
});
