// The activation panel's expert heatmap data (webview/activation/expertView.ts): one cell per
// expert of each mixture-of-experts layer, its fraction the mean of gate/up/down, the routed share
// beside it, and nothing for dense models.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { ActivationResult } from '../../../../src/analysis/methods/activation/activation';
import { expertCells, expertPlot } from '../../../../webview/activation/expertView';

const base = { numLayers: 2 } as ActivationResult;

test('expert cells: per MoE layer and expert, mean fraction and routed share; none for a dense model', () => {
  const r: ActivationResult = {
    ...base,
    experts: {
      labels: ['0', '1', 'shared'],
      fraction: [
        null,
        [
          [0.3, 0.6, 0.9],
          [0, 0, 0],
          [1, 0.5, 0],
        ],
      ],
      routedShare: [null, [1, 0]],
    },
  };
  const cells = expertCells(r);
  assert.equal(cells.length, 3);
  assert.deepEqual(
    cells.map((c) => [c.layer, c.expert, Number(c.fraction.toFixed(12)), c.routed]),
    [
      [1, '0', 0.6, 1],
      [1, '1', 0, 0],
      [1, 'shared', 0.5, undefined],
    ],
  );
  assert.deepEqual(expertCells(base), []);
  assert.equal(expertPlot(base, { sequentialScheme: 'blues' } as never), null);
  assert.ok(expertPlot(r, { sequentialScheme: 'blues' } as never));
});
