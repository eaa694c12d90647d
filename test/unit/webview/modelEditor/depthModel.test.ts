// The model editor's "Depth" section (webview/modelEditor/depthModel.ts): the lines drawn carry the
// worker's per layer × kind values of a real mixture-of-experts fixture, kinds in a stable order,
// unreadable rows as gaps with their reason listed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { depthStats, type DepthStats } from '../../../../src/analysis/model/depthStats';
import { openModel } from '../../../../src/analysis/model/openModel';
import { depthLines, depthNotes, DEPTH_METRICS } from '../../../../webview/modelEditor/depthModel';
import { MOE_DIMS, writeMoeFixture } from '../../../fixtures/moeLayouts';

test('depth lines equal the computed rows, one line per kind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'll-me-depth-'));
  try {
    const fx = await writeMoeFixture(dir, { arch: 'qwen2_moe' });
    const stats = await depthStats(await openModel(fx.dir));
    for (const { id } of DEPTH_METRICS) {
      const lines = depthLines(stats, id);
      const drawn = lines.flatMap((l) => l.points.map((p) => `${p.x}|${l.name}|${p.y}`)).sort();
      const want = stats.rows.map((r) => `${r.layer}|${r.kind}|${r[id]}`).sort();
      assert.deepEqual(drawn, want, id);
      for (const l of lines) for (let i = 1; i < l.points.length; i++) assert.ok(l.points[i]!.x > l.points[i - 1]!.x);
    }
    const names = depthLines(stats, 'frobenius').map((l) => l.name);
    assert.deepEqual(names.slice(0, 4), ['q', 'k', 'v', 'o']);
    assert.ok(names.includes('up shared') && names.indexOf('up shared') > names.indexOf('up'));
    // Dense layers' up is one matrix; a mixture-of-experts layer's folds every routed expert.
    const up = depthLines(stats, 'maxAbs').find((l) => l.name === 'up')!.points;
    assert.ok(up.some((p) => p.experts === MOE_DIMS.experts));
    assert.ok(up.every((p) => p.experts === 0 || p.experts === MOE_DIMS.experts));
    assert.deepEqual(depthNotes(stats), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unreadable and NaN/Inf rows: gaps in the lines, a note each', () => {
  const stats: DepthStats = {
    matrices: 3,
    seconds: 0,
    rows: [
      { layer: 0, kind: 'q', experts: 0, frobenius: 2, std: 0.1, maxAbs: 0.5, nonFinite: 0 },
      { layer: 1, kind: 'q', experts: 0, frobenius: null, std: null, maxAbs: null, nonFinite: 0, error: "layer 1 q ('x'): the file is shorter" },
      { layer: 1, kind: 'up', experts: 8, frobenius: 3, std: 0.2, maxAbs: 0.9, nonFinite: 5 },
    ],
  };
  assert.deepEqual(depthLines(stats, 'frobenius'), [
    { name: 'q', points: [{ x: 0, y: 2, experts: 0 }] },
    { name: 'up', points: [{ x: 1, y: 3, experts: 8 }] },
  ]);
  assert.deepEqual(depthNotes(stats), [
    "layer 1 q: not read — layer 1 q ('x'): the file is shorter",
    'layer 1 up (8 experts): 5 NaN/Inf entries left out of the statistics',
  ]);
});
