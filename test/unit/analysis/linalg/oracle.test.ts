// Comparison with numpy (LAPACK) on the fixed matrices of test/oracles/eigh.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eigh } from '../../../../src/analysis/linalg/eigh';
import { singularValues } from '../../../../src/analysis/linalg/svd';
import { pinv } from '../../../../src/analysis/linalg/pinv';
import { REPO_ROOT } from '../../../paths';

interface Oracle {
  eigh: { name: string; n: number; matrix: number[]; eigvalsh: number[] }[];
  svd: { name: string; rows: number; cols: number; matrix: number[]; singular_values: number[]; pinv_rcond: number; pinv: number[] }[];
}
const oracle: Oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/eigh.json'), 'utf8'));

test('eigenvalues match numpy.linalg.eigvalsh, on the WASM path and through ORT stage 1', async () => {
  assert.ok(oracle.eigh.length >= 4);
  for (const c of oracle.eigh) {
    const scale = Math.max(...c.eigvalsh.map(Math.abs));
    for (const tuning of [undefined, { band: 3, panelsPerBlock: 2, denseMax: 4, splitMin: 4 }]) {
      const { values } = await eigh({ rows: c.n, cols: c.n, data: Float64Array.from(c.matrix) }, { tuning });
      for (let i = 0; i < c.n; i++) assert.ok(Math.abs(values[i] - c.eigvalsh[i]) < 1e-13 * scale * c.n, `${c.name} λ${i}: ${values[i]} vs ${c.eigvalsh[i]}`);
    }
  }
});

test('singular values and pseudo-inverses match numpy.linalg.svd and numpy.linalg.pinv', async () => {
  for (const c of oracle.svd) {
    const w = { rows: c.rows, cols: c.cols, data: Float32Array.from(c.matrix) };
    const s = await singularValues(w);
    const tol = 1e-6 * c.singular_values[0];
    for (let i = 0; i < s.length; i++) assert.ok(Math.abs(s[i] - c.singular_values[i]) < tol, `${c.name} σ${i}: ${s[i]} vs ${c.singular_values[i]}`);
    const p = await pinv(w, { rcond: c.pinv_rcond });
    const scale = Math.max(...c.pinv.map(Math.abs));
    for (let i = 0; i < c.pinv.length; i++) assert.ok(Math.abs(p.data[i] - c.pinv[i]) < 1e-5 * scale, `${c.name} pinv[${i}]: ${p.data[i]} vs ${c.pinv[i]}`);
  }
});
