// The similarity panel's small multiples (webview/similarity/smallMultiples.ts): one panel per index
// the run computed, each cell the pair's value from the real stories260K result, symmetric with 1 on
// the diagonal, and each panel's colour range the one the large heatmap uses for that index.
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getEngine } from '../../../../src/analysis/engine/engine';
import { runSimilarityJob } from '../../../../src/analysis/methods/similarity/job';
import { openModel } from '../../../../src/analysis/model/openModel';
import { smallMultiples } from '../../../../webview/similarity/smallMultiples';
import { colourDomain, heatCells, viewFromResult } from '../../../../webview/similarity/viewModel';
import { REPO_ROOT } from '../../../paths';

const STORIES = join(REPO_ROOT, 'test/fixtures/models/stories260K');

test('small multiples of every computed index equal the result pair by pair', async () => {
  const engine = await getEngine({ providers: ['cpu'], threads: 1 });
  const model = await openModel(STORIES);
  const r = await runSimilarityJob(engine, model, { kind: 'up' }, {});
  const view = viewFromResult(r);
  const list = smallMultiples(view);
  assert.deepEqual(
    list.map((m) => m.index),
    r.indices,
  );
  assert.ok(list.length >= 10, `${list.length} indices`);
  const n = r.layers.length;
  for (const m of list) {
    assert.equal(m.size, n);
    assert.equal(m.values.length, n * n);
    for (let a = 0; a < n; a++) assert.equal(m.values[a * n + a], 1);
    for (const p of r.pairs) {
      const want = p.values[m.index];
      const expected = typeof want === 'number' && Number.isFinite(want) ? want : null;
      assert.equal(m.values[p.a * n + p.b], expected, `${m.index} L${p.layerA}×L${p.layerB}`);
      assert.equal(m.values[p.b * n + p.a], expected);
    }
    assert.deepEqual(m.domain, colourDomain(heatCells(view, m.index), m.index));
    assert.equal(m.signed, m.index === 'pearson' || m.index === 'cosine');
  }
});
