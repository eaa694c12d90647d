/**
 * Plot specifications of the diff panel's relative change against depth (one line per kind) and of
 * the Δ spectrum drawn over the singular values of a random Gaussian matrix of Δ's shape and norm.
 */
import * as Plot from '@observablehq/plot';
import { kindColorScale } from '../common/kindColor';
import type { Theme } from '../common/theme';
import type { DepthLine, ExpertAggregate } from './depthViews';

export function relChangeDepthPlot(lines: DepthLine[], agg: ExpertAggregate, theme: Theme): Plot.PlotOptions | string {
  const rows = lines.flatMap((s) => s.points.map((p) => ({ series: s.name, ...p })));
  if (!rows.length) return 'No relative change to draw yet.';
  const names = lines.map((s) => s.name);
  const positive = rows.every((r) => r.y > 0);
  return {
    width: 640,
    height: 260,
    marginLeft: 56,
    x: { label: 'layer', tickFormat: 'd' },
    // A log axis when every change is positive: a fine-tune's 1e-4 and a pruned layer's 1 both read.
    y: { label: '‖B − A‖_F / ‖A‖_F', grid: true, type: positive ? 'log' : 'linear', tickFormat: '~g' },
    color: kindColorScale(names, theme),
    marks: [
      Plot.line(rows, { x: 'x', y: 'y', stroke: 'series', z: 'series' }),
      Plot.dot(rows, {
        x: 'x',
        y: 'y',
        fill: 'series',
        r: 2.5,
        tip: true,
        title: (d: { series: string; x: number; y: number; experts: number }) =>
          `layer ${d.x} ${d.series}: ${d.y.toPrecision(4)}${d.experts > 1 ? ` (${agg} over ${d.experts} experts)` : ''}`,
      }),
    ],
  };
}

/** σᵢ of Δ (dots and line) with the random reference (dashed): a low-rank update stands far above it. */
export function deltaSpectrumPlot(values: number[], reference: number[], theme: Theme): Plot.PlotOptions | string {
  if (!values.length || !(values[0]! > 0)) return 'Δ is zero: it has no singular values above 0.';
  const points = values.map((s, i) => ({ i: i + 1, s })).filter((p) => p.s > 0);
  const ref = reference.map((s, i) => ({ i: i + 1, s })).filter((p) => p.s > 0 && p.i <= values.length);
  return {
    width: 520,
    height: 240,
    marginLeft: 56,
    x: { label: 'index i', tickFormat: 'd' },
    y: { label: 'σᵢ', type: 'log', grid: true, tickFormat: '~g' },
    color: { domain: ['Δ', 'random, same shape and ‖·‖_F'], range: [theme.accent, theme.muted], legend: true },
    marks: [
      Plot.line(ref, { x: 'i', y: 's', stroke: () => 'random, same shape and ‖·‖_F', strokeDasharray: '4 3' }),
      Plot.line(points, { x: 'i', y: 's', stroke: () => 'Δ' }),
      Plot.dot(points, { x: 'i', y: 's', fill: theme.accent, r: 2.5, title: (p: { i: number; s: number }) => `σ${p.i} = ${p.s}` }),
    ],
  };
}
