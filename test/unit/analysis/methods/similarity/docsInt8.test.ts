import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { chooseDocsPath } from '../../../../../src/analysis/engine/int8Calibration';
import type { Matrix } from '../../../../../src/analysis/linalg/matrix';
import { docsOfNormalized, normalizedColumns, normalizedRows, orientForDocs, resolveOrientation } from '../../../../../src/analysis/methods/similarity/docs';
import { similarityCli } from '../../../../../src/analysis/methods/similarity/cli';
import { parseSimilaritySettings, settingsKey } from '../../../../../src/analysis/methods/similarity/options';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { readRoleMatrix } from '../../../../../src/analysis/model/readRole';
import type { MatrixRole } from '../../../../../src/analysis/model/types';
import { randomMatrix } from '../../engine/random';

// DOCS on the integer path against the float32 path (the reference kernel, itself checked against a
// float64 brute force and the numpy Gumbel oracle in docs.test.ts): the exact mode must agree to
// float32 rounding on every kind of input, the fast mode within its reported bound.

const cpu = () => getEngine({ providers: ['cpu'], threads: 2 });
const stories = path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'models', 'stories260K');

async function compare(name: string, xt: Matrix, yt: Matrix) {
  const engine = await cpu();
  const f = await docsOfNormalized(engine, xt, yt, { integer: 'never' });
  const e = await docsOfNormalized(engine, xt, yt, { integer: 'always' });
  assert.equal(f.docsPath, 'float32');
  assert.equal(e.docsPath, 'int8-refined');
  assert.equal(e.entries, xt.rows * yt.rows);
  assert.ok(Math.abs(e.docs - f.docs) <= 1e-6, `${name}: DOCS ${e.docs} vs float32 ${f.docs}`);
  for (const [a, b] of [
    [e.rowMax, f.rowMax],
    [e.colMax, f.colMax],
  ])
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6, `${name}: maximum ${i} is ${a[i]}, float32 ${b[i]}`);
  return { e, f };
}

const rowsOf = (m: Matrix) => normalizedRows(m);

test('exact: random matrices, DOCS equal to the float32 path', async () => {
  const { e } = await compare('random', rowsOf(randomMatrix(400, 384, 1)), rowsOf(randomMatrix(400, 384, 2)));
  assert.ok((e.refined ?? 0) > 0 && (e.refined ?? 0) < 0.05 * (e.entries ?? 0), `refined ${e.refined}`);
});

test('exact: planted near-duplicates, permuted and sign-flipped (DOCS near 1)', async () => {
  const x = randomMatrix(300, 256, 3);
  const noise = randomMatrix(300, 256, 4);
  const y = { rows: 300, cols: 256, data: new Float32Array(300 * 256) };
  for (let j = 0; j < 300; j++) {
    const src = (j * 7) % 300;
    const sign = j % 3 ? 1 : -1;
    for (let i = 0; i < 256; i++) y.data[j * 256 + i] = sign * (x.data[src * 256 + i] + 0.01 * noise.data[j * 256 + i]);
  }
  const { e } = await compare('planted', rowsOf(x), rowsOf(y));
  assert.ok(e.docs > 0.99, `DOCS ${e.docs}`);
});

test('exact: adversarial near-ties (two partners within the bound of each other)', async () => {
  // x_0…x_199 each get two partners in y; x_200…x_399 are unrelated.
  const x = randomMatrix(400, 320, 5);
  const noise = randomMatrix(400, 320, 6);
  const y = { rows: 400, cols: 320, data: new Float32Array(400 * 320) };
  for (let j = 0; j < 200; j++)
    for (let i = 0; i < 320; i++) {
      // Two partners whose cosines with x_j differ by ~1e-7: far inside the screen's bound.
      const base = x.data[j * 320 + i] + 0.3 * noise.data[j * 320 + i];
      y.data[2 * j * 320 + i] = base;
      y.data[(2 * j + 1) * 320 + i] = base + (i === 0 ? 1e-6 : 0);
    }
  await compare('near ties', rowsOf(x), rowsOf(y));
});

test('exact: stories260K layers (real trained weights), every kind in its DOCS orientation', async () => {
  const model = await openModel(stories);
  const engine = await cpu();
  for (const kind of ['q', 'o', 'up', 'down'] as MatrixRole[]) {
    const side = resolveOrientation(kind);
    const prep = async (l: number) => {
      const w = await readRoleMatrix(model, l, kind);
      return side === 'rows' ? normalizedRows(w) : normalizedColumns(engine, orientForDocs(w, side));
    };
    for (const [a, b] of [
      [0, 1],
      [1, 4],
    ])
      await compare(`stories260K ${kind} ${a}×${b}`, await prep(a), await prep(b));
  }
});

test('fast: one integer product, maxima within the reported bound', async () => {
  const engine = await cpu();
  const xt = rowsOf(randomMatrix(300, 512, 7)),
    yt = rowsOf(randomMatrix(300, 512, 8));
  const f = await docsOfNormalized(engine, xt, yt, { integer: 'never' });
  const q = await docsOfNormalized(engine, xt, yt, { integer: 'always', docsPrecision: 'fast' });
  assert.equal(q.docsPath, 'int8-fast');
  assert.equal(q.refined, undefined);
  const bound = q.errorBound?.max ?? NaN;
  assert.ok(bound > 0 && bound < 0.05, `bound ${bound}`);
  let worst = 0;
  for (let i = 0; i < 300; i++) worst = Math.max(worst, Math.abs(q.rowMax[i] - f.rowMax[i]), Math.abs(q.colMax[i] - f.colMax[i]));
  // The bound is on the true maxima; float32's own rounding (≪ 1e-6 here) is the slack.
  assert.ok(worst <= bound + 1e-6, `maxima off by ${worst}, bound ${bound}`);
  assert.ok(worst > 1e-6, 'fast mode returned the exact maxima: the integer product did not run');
  assert.ok(Math.abs(q.docs - f.docs) <= bound, `DOCS ${q.docs} vs ${f.docs}`);
});

test('auto: a pair large enough to calibrate takes the calibrated path and gives the float32 DOCS', async () => {
  const engine = await cpu();
  // 2·1024·1024·2048 ≈ 4.3e9 operations: above the size where 'auto' stays on float32 outright.
  const xt = rowsOf(randomMatrix(1024, 2048, 10)),
    yt = rowsOf(randomMatrix(1024, 2048, 11));
  const auto = await docsOfNormalized(engine, xt, yt);
  assert.equal(auto.docsPath, await chooseDocsPath(engine, 2048, 'exact'));
  const f = await docsOfNormalized(engine, xt, yt, { integer: 'never' });
  assert.ok(Math.abs(auto.docs - f.docs) <= 1e-6, `DOCS ${auto.docs} (${auto.docsPath}) vs float32 ${f.docs}`);
});

test('auto: a small pair stays on float32 without calibrating; the integer path refuses NaN', async () => {
  const engine = await cpu();
  const xt = rowsOf(randomMatrix(50, 64, 9));
  assert.equal((await docsOfNormalized(engine, xt, xt)).docsPath, 'float32');
  const bad = { ...xt, data: xt.data.slice() };
  bad.data[5] = NaN;
  await assert.rejects(docsOfNormalized(engine, bad, xt, { integer: 'always' }), /NaN or Inf/);
});

test('option: docsPrecision parses, changes the cache key only when fast, and has a CLI flag', () => {
  assert.equal(parseSimilaritySettings({ kind: 'up', docsPrecision: 'fast' }).docsPrecision, 'fast');
  assert.equal(parseSimilaritySettings({ kind: 'up' }).docsPrecision, undefined);
  assert.throws(() => parseSimilaritySettings({ kind: 'up', docsPrecision: 'medium' }), /docsPrecision/);
  const key = settingsKey({ kind: 'up' });
  assert.equal(settingsKey({ kind: 'up', docsPrecision: 'exact' }), key);
  assert.notEqual(settingsKey({ kind: 'up', docsPrecision: 'fast' }), key);
  assert.equal((similarityCli.toOptions({ kind: 'up', 'docs-precision': 'fast' })[0] as { docsPrecision?: string }).docsPrecision, 'fast');
  assert.equal((similarityCli.toOptions({ kind: 'up' })[0] as { docsPrecision?: string }).docsPrecision, undefined);
  assert.throws(() => similarityCli.toOptions({ kind: 'up', 'docs-precision': 'rough' }), /--docs-precision/);
});

test('a pair whose float32 vectors were let go (int8-only cache) refuses the float32 path instead of reading nothing', async () => {
  const engine = await cpu();
  const xt = normalizedRows(randomMatrix(64, 32, 3));
  const yt = normalizedRows(randomMatrix(64, 32, 4));
  xt.data = new Float32Array(0);
  await assert.rejects(docsOfNormalized(engine, xt, yt, { integer: 'never' }), /only their int8 copies were kept/);
});
