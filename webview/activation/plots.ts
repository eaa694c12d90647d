/**
 * The activation panel's plots: activated fraction per layer stacked by matrix kind, pattern
 * similarity by depth for same- vs cross-domain prompt pairs (box plots), and forward MLP sparsity.
 */
import * as Plot from '@observablehq/plot';
import type { ActivationResult } from '../../src/analysis/methods/activation/activation';
import { thinnedTicks } from '../common/axisTicks';
import { kindColorScale } from '../common/kindColor';
import type { Theme } from '../common/theme';

export function fractionPlot(r: ActivationResult, theme: Theme): Plot.PlotOptions {
  const rows = r.activatedShare.flatMap((shares, layer) => shares.map((share, i) => ({ layer, kind: r.roles[i], share })));
  return {
    width: 640,
    height: 280,
    marginLeft: 56,
    // 80 layers leave 7 px a bar: every k-th layer labelled, 20 px apart at least (common/axisTicks.ts).
    x: {
      label: 'layer',
      type: 'band',
      ticks: thinnedTicks(
        r.activatedShare.map((_, l) => l),
        564,
        20,
      ),
    },
    y: { label: 'activated fraction of the layer', grid: true, domain: [0, Math.max(0.05, ...r.layerFraction) * 1.05], tickFormat: '.0%' },
    // Up to nine matrix kinds (seven roles, router, shared): each its fixed colour, the same as in the other panels.
    color: kindColorScale(r.roles, theme, { label: 'matrix' }),
    marks: [
      Plot.barY(rows, {
        x: 'layer',
        y: 'share',
        fill: 'kind',
        tip: true,
        title: (d: { layer: number; kind: string; share: number }) => `layer ${d.layer} · ${d.kind}: ${(100 * d.share).toFixed(2)}% of the layer`,
      }),
      Plot.ruleY([0], { stroke: theme.muted }),
    ],
  };
}

export function similarityPlot(r: ActivationResult, theme: Theme): Plot.PlotOptions | null {
  const rows = r.pairs.flatMap((p) => p.similarity.map((similarity, layer) => ({ layer, pair: p.sameDomain ? 'same domain' : 'cross domain', similarity })));
  if (rows.length === 0) return null;
  return {
    width: Math.max(480, 70 * r.numLayers),
    height: 300,
    marginLeft: 56,
    marginBottom: 40,
    fx: { label: 'layer' },
    x: { axis: null, domain: ['same domain', 'cross domain'] },
    y: { label: 'activation-pattern similarity', grid: true, domain: [0, 1] },
    color: { domain: ['same domain', 'cross domain'], range: [theme.categorical[0], theme.categorical[1]], legend: true },
    marks: [Plot.boxY(rows, { fx: 'layer', x: 'pair', y: 'similarity', fill: 'pair', stroke: 'pair', fillOpacity: 0.35 })],
  };
}

export function sparsityPlot(r: ActivationResult, theme: Theme): Plot.PlotOptions {
  const rows = r.forwardSparsity.map((s, layer) => ({ layer, s }));
  return {
    width: 640,
    height: 220,
    marginLeft: 56,
    x: { label: 'layer', tickFormat: 'd' },
    y: { label: `MLP activations with |a| < ${r.epsilon}`, grid: true, domain: [0, 1], tickFormat: '.0%' },
    marks: [Plot.line(rows, { x: 'layer', y: 's', stroke: theme.accent }), Plot.dot(rows, { x: 'layer', y: 's', fill: theme.accent, tip: true })],
  };
}
