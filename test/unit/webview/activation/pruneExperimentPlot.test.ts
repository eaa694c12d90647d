// The pruning-experiment section's plot data (webview/activation/pruneExperimentPlot.ts): one dot per
// arm with its perplexity and sparsity; one heatmap cell per calibration × held-out domain, coloured
// by perplexity over the unpruned model's on that held-out domain; no heatmap without domains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armPlot, armPoints, domainCells, domainPlot } from '../../../../webview/activation/pruneExperimentPlot';
import type { Theme } from '../../../../webview/common/theme';

const theme = { accent: '#00f', muted: '#888', foreground: '#000', categorical: ['#111', '#222'], sequentialScheme: 'blues' } as unknown as Theme;
const arm = (p: number, s: number) => ({ ratios: [], layerSparsity: [], totalSparsity: s, perplexity: p });

test('arms: unpruned, uniform, density-derived in that order', () => {
  const r = { unpruned: 5, uniform: arm(9, 0.5), derived: arm(8, 0.49) };
  assert.deepEqual(armPoints(r), [
    { arm: 'unpruned', perplexity: 5, sparsity: 0 },
    { arm: 'uniform', perplexity: 9, sparsity: 0.5 },
    { arm: 'density-derived', perplexity: 8, sparsity: 0.49 },
  ]);
  const plot = armPlot(r, theme);
  assert.equal(plot.y?.type, 'log');
  assert.equal(plot.marks?.length, 3);
});

test('domain cells: perplexity and its ratio to the unpruned model on the held-out domain', () => {
  const domains = {
    names: ['prose', 'code'],
    density: [],
    ratios: [],
    perplexity: [
      [10, 30],
      [20, 12],
    ],
    unpruned: [5, 6],
  };
  assert.deepEqual(domainCells({ domains }), [
    { calibration: 'prose', evaluation: 'prose', perplexity: 10, ratio: 2 },
    { calibration: 'prose', evaluation: 'code', perplexity: 30, ratio: 5 },
    { calibration: 'code', evaluation: 'prose', perplexity: 20, ratio: 4 },
    { calibration: 'code', evaluation: 'code', perplexity: 12, ratio: 2 },
  ]);
  assert.deepEqual(domainPlot({ domains }, theme)?.x?.domain, ['prose', 'code']);
  assert.equal(domainPlot({}, theme), null);
});
