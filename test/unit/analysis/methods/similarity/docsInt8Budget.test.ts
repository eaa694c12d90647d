import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { getEngine } from '../../../../../src/analysis/engine/engine';
import { int8DocsMemory } from '../../../../../src/analysis/engine/kernels/int8Memory';
import { docsOfNormalized, normalizedRows } from '../../../../../src/analysis/methods/similarity/docs';
import { layerSimilarity } from '../../../../../src/analysis/methods/similarity/layerSimilarity';
import { openModel } from '../../../../../src/analysis/model/openModel';
import { randomMatrix } from '../../engine/random';

// The integer DOCS path holds quantized copies of both matrices (≈ 5 bytes a weight in exact mode)
// beside the two float32 ones: where they do not fit the memory budget, the pair takes the float32
// path and says why. The reference is the float32 path of the same pair.

const stories = path.resolve(__dirname, '..', '..', '..', '..', 'fixtures', 'models', 'stories260K');

test('budget: a 4096×1024 pair whose quantized copies do not fit takes float32; with room, int8 gives the same DOCS', async () => {
  // 1024 compared vectors of length 4096: 32 MiB of float32, 40 MiB of exact quantized copies.
  const xt = normalizedRows(randomMatrix(1024, 4096, 21)),
    yt = normalizedRows(randomMatrix(1024, 4096, 22));
  const tight = await getEngine({ providers: ['cpu'], threads: 2, memoryBudgetMB: 64 });
  const roomy = await getEngine({ providers: ['cpu'], threads: 2, memoryBudgetMB: 256 });
  const need = int8DocsMemory(tight.memoryBudgetBytes, 1024, 1024, 4096, 'exact');
  assert.ok(need.float32Bytes <= tight.memoryBudgetBytes && !need.fits, `float32 ${need.float32Bytes}, total ${need.totalBytes}`);
  assert.ok(int8DocsMemory(roomy.memoryBudgetBytes, 1024, 1024, 4096, 'exact').fits);

  const reference = await docsOfNormalized(roomy, xt, yt, { integer: 'never' });
  assert.equal(reference.docsPathReason, undefined);
  const fellBack = await docsOfNormalized(tight, xt, yt, { integer: 'always' });
  assert.equal(fellBack.docsPath, 'float32');
  assert.match(fellBack.docsPathReason ?? '', /quantized copies \(\d+ MiB\) and the two float32 matrices \(32 MiB\) exceed the memory budget \(64 MiB\)/);
  assert.equal(fellBack.entries, undefined);
  const integer = await docsOfNormalized(roomy, xt, yt, { integer: 'always' });
  assert.equal(integer.docsPath, 'int8-refined');
  assert.equal(integer.docsPathReason, undefined);
  for (const r of [fellBack, integer]) {
    assert.ok(Math.abs(r.docs - reference.docs) <= 1e-6, `${r.docsPath}: DOCS ${r.docs} vs float32 ${reference.docs}`);
    for (let i = 0; i < 1024; i++) assert.ok(Math.abs(r.rowMax[i] - reference.rowMax[i]) <= 1e-6 && Math.abs(r.colMax[i] - reference.colMax[i]) <= 1e-6);
  }
  // Fast mode keeps 2 bytes a weight: 64 MiB still cannot hold them with the screen block beside 32 MiB of float32.
  const fast = await docsOfNormalized(tight, xt, yt, { integer: 'always', docsPrecision: 'fast' });
  assert.equal(fast.docsPath, int8DocsMemory(tight.memoryBudgetBytes, 1024, 1024, 4096, 'fast').fits ? 'int8-fast' : 'float32');
});

test('budget: LAYER_LENS_DOCS_PATH=int8 forces the integer path of a layer-similarity run, within the budget only', async () => {
  const model = await openModel(stories);
  const before = process.env.LAYER_LENS_DOCS_PATH;
  process.env.LAYER_LENS_DOCS_PATH = 'int8';
  try {
    const roomy = await getEngine({ providers: ['cpu'], threads: 2, memoryBudgetMB: 256 });
    // 0.05 MiB: less than the two float32 q matrices with their copies (64×64 each: 32 KiB + 40 KiB + screen).
    const tight = await getEngine({ providers: ['cpu'], threads: 2, memoryBudgetMB: 0.05 });
    const opts = { kind: 'q' as const, layers: [0, 1, 2], indices: ['docs' as const] };
    const a = await layerSimilarity(roomy, model, opts);
    const b = await layerSimilarity(tight, model, opts);
    assert.ok(a.pairs.length >= 2);
    for (const p of a.pairs) assert.equal(p.docsPath, 'int8-refined');
    for (const p of b.pairs) {
      assert.equal(p.docsPath, 'float32');
      assert.match(p.docsPathReason ?? '', /exceed the memory budget \(1 MiB\)/);
    }
    process.env.LAYER_LENS_DOCS_PATH = 'float32';
    const c = await layerSimilarity(roomy, model, opts);
    // A tight budget visits the pairs in another order (tile by tile): match them by layers.
    const docsOf = (r: typeof a, layerA: number, layerB: number) => r.pairs.find((p) => p.layerA === layerA && p.layerB === layerB)?.values.docs ?? NaN;
    assert.equal(c.pairs.length, a.pairs.length);
    for (const p of c.pairs) {
      assert.equal(p.docsPath, 'float32');
      assert.equal(p.docsPathReason, undefined);
      const ref = p.values.docs ?? NaN;
      for (const r of [a, b])
        assert.ok(Math.abs(docsOf(r, p.layerA, p.layerB) - ref) <= 1e-6, `layers ${p.layerA} × ${p.layerB}: ${docsOf(r, p.layerA, p.layerB)} vs ${ref}`);
    }
  } finally {
    if (before === undefined) delete process.env.LAYER_LENS_DOCS_PATH;
    else process.env.LAYER_LENS_DOCS_PATH = before;
  }
});
