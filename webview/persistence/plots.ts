/**
 * The persistence panel's plots: the normalised similarity heatmap, Betti curves, the average
 * similarity S̄ by layer with the pruning threshold and suggested layers, the residual-stream
 * baselines (Block Influence, angular distance at the last token and over all tokens) and the
 * barcode over zigzag positions.
 */
import * as Plot from '@observablehq/plot';
import type { PersistenceResult } from '../../src/analysis/methods/persistence/persistence';
import type { Theme } from '../common/theme';
import { heatmapOptions } from '../common/plot';
import { thinnedTicks } from '../common/axisTicks';
import type { FigureTable } from '../common/figureTable';
import { matrixTable } from '../common/matrixTable';

/** Short cloud labels for axes: decoder layers by index, the final norm as 'norm'. */
export function cloudLabel(r: PersistenceResult, l: number): string {
  return l === r.decoderLayers ? 'norm' : String(l);
}

export function heatmapPlot(r: PersistenceResult, dim: number, theme: Theme): Plot.PlotOptions {
  const h = r.heatmap[dim];
  const cells = h.flatMap((row, i) => row.map((value, j) => ({ x: cloudLabel(r, j), y: cloudLabel(r, i), value })));
  const size = Math.min(560, Math.max(260, 34 * h.length + 90));
  const opts = heatmapOptions(cells, theme, {
    xLabel: 'layer j',
    yLabel: 'layer i',
    domain: [0, 1],
    width: size + 60,
    height: size,
    legendLabel: `S${dim}(i, j) / β${dim}(i)`,
    // 81 × 81 clouds: one image, not 6 561 rects (nothing here needs a rect a cell).
    raster: true,
  });
  const order = h.map((_, l) => cloudLabel(r, l));
  // 81 clouds leave 6 px a band: every k-th layer labelled (and 'norm'), 24 px apart at least (common/axisTicks.ts).
  const ticks = thinnedTicks(order, size - 30, 24, true);
  return { ...opts, x: { ...(opts.x as object), domain: order, ticks }, y: { ...(opts.y as object), domain: order, ticks } };
}

/** The heatmap's values as a layer i × layer j table ("Show as table"): every cell, 81 rows of 82 at 80 layers. */
export function heatmapTable(r: PersistenceResult, dim: number): FigureTable {
  const h = r.heatmap[dim] ?? [];
  const labels = h.map((_, l) => cloudLabel(r, l));
  return matrixTable('layer i \\ j', labels, labels, (i, j) => h[i]?.[j]);
}

export function bettiPlot(r: PersistenceResult, theme: Theme): Plot.PlotOptions {
  const rows = r.homologyDims.flatMap((p) => r.betti[p].map((b, l) => ({ layer: l, b, dim: `β${p}` })));
  return {
    width: 560,
    height: 240,
    marginLeft: 56,
    x: { label: 'layer (last = final norm)', tickFormat: 'd', ticks: r.betti[0].length },
    y: { label: 'Betti number', grid: true, type: 'symlog' },
    color: { legend: true, range: theme.categorical },
    marks: [Plot.line(rows, { x: 'layer', y: 'b', stroke: 'dim' }), Plot.dot(rows, { x: 'layer', y: 'b', fill: 'dim', tip: true })],
  };
}

export function averagePlot(r: PersistenceResult, dim: number, threshold: number, suggested: number[], theme: Theme): Plot.PlotOptions {
  const rows = r.averageSimilarity[dim].map((s, l) => ({
    layer: l,
    s,
    suggested: suggested.includes(l) ? 'suggested for removal' : l === r.decoderLayers ? 'final norm' : 'kept',
  }));
  return {
    width: 560,
    height: 260,
    marginLeft: 56,
    x: { label: 'layer (last = final norm)', tickFormat: 'd', ticks: rows.length },
    y: { label: `average similarity S̄${dim}`, grid: true, domain: [0, Math.max(0.05, ...rows.map((d) => d.s)) * 1.08] },
    color: { legend: true, domain: ['kept', 'suggested for removal', 'final norm'], range: [theme.muted, theme.accent, theme.categorical[2] ?? theme.muted] },
    marks: [
      Plot.line(rows, { x: 'layer', y: 's', stroke: theme.muted }),
      Plot.ruleY([threshold], { stroke: theme.accent, strokeDasharray: '4,3' }),
      Plot.dot(rows, { x: 'layer', y: 's', fill: 'suggested', r: 5, tip: true }),
    ],
  };
}

export function baselinePlot(r: PersistenceResult, theme: Theme): Plot.PlotOptions {
  const rs = r.residualStream;
  const rows = rs
    ? [
        ...rs.blockInfluence.map((v, l) => ({ layer: l, v, series: 'Block Influence 1 − cos(h_ℓ, h_ℓ₊₁), all tokens' })),
        ...rs.angularLastToken.flatMap((a) => a.values.map((v, l) => ({ layer: l, v, series: `angular distance h_ℓ → h_ℓ₊${a.n}, last token` }))),
        ...rs.angularAllTokens.flatMap((a) => a.values.map((v, l) => ({ layer: l, v, series: `angular distance h_ℓ → h_ℓ₊${a.n}, all tokens` }))),
      ]
    : [];
  return {
    width: 560,
    height: 260,
    marginLeft: 56,
    x: { label: 'first layer ℓ of the block (residual stream h_ℓ = input of layer ℓ)', tickFormat: 'd' },
    y: { label: 'lower = more redundant', grid: true },
    color: { legend: true, range: theme.categorical },
    marks: [Plot.line(rows, { x: 'layer', y: 'v', stroke: 'series' }), Plot.dot(rows, { x: 'layer', y: 'v', fill: 'series', tip: true })],
  };
}

export function barcodePlot(r: PersistenceResult, dim: number, theme: Theme): Plot.PlotOptions {
  const positions = 2 * r.decoderLayers + 1;
  const bars = r.positionBars
    .filter((b) => b.dim === dim)
    .sort((a, b) => a.birth - b.birth || b.death - a.death)
    .map((b, i) => ({ ...b, i }));
  return {
    width: 560,
    height: Math.min(600, Math.max(120, 3 * bars.length + 60)),
    marginLeft: 56,
    x: {
      label: 'zigzag position (even: layer ℓ = position/2; odd: intersection of two layers)',
      domain: [0, positions],
      ticks: Math.min(positions + 1, 24),
      tickFormat: 'd',
    },
    y: { axis: null, domain: [-1, Math.max(1, bars.length)] },
    marks: [
      Plot.ruleX(
        Array.from({ length: r.decoderLayers + 1 }, (_, l) => 2 * l),
        { stroke: theme.muted, strokeOpacity: 0.3 },
      ),
      Plot.ruleY(bars, {
        y: 'i',
        x1: 'birth',
        x2: 'death',
        stroke: theme.accent,
        strokeWidth: 2,
        tip: true,
        title: (b: { birth: number; death: number }) => `H${dim} bar [${b.birth}, ${b.death})`,
      }),
    ],
  };
}
