/**
 * Plot specifications for the spectra panel's depth lines (α, alpha_weighted, mean KS p per kind)
 * and the KS p of each singular vector of one matrix or head (a dot plot; the head × vector map is vectorPMap.ts).
 */
import * as Plot from '@observablehq/plot';
import { kindColorScale } from '../common/kindColor';
import type { Theme } from '../common/theme';
import type { DepthLine, VectorPRow } from './depthViews';

/** The smallest p drawn: KS p-values below it are clamped so the log scale stays finite. */
export const P_FLOOR = 1e-12;

/** Colour scale for series named by matrix kind: each kind its fixed colour (common/kindColor.ts), the same in every panel. */
export function seriesColour(theme: Theme, names: string[]): Plot.ScaleOptions {
  return kindColorScale(names, theme);
}

export function depthLinesPlot(lines: DepthLine[], yLabel: string, theme: Theme, opts: { domain?: [number, number]; rules?: number[] } = {}): Plot.PlotOptions {
  const rows = lines.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y })));
  const layers = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
  return {
    width: 640,
    height: 260,
    marginLeft: 56,
    x: { label: 'layer', tickFormat: 'd', ticks: layers.length <= 24 ? layers : undefined },
    y: { label: yLabel, grid: true, domain: opts.domain },
    color: seriesColour(
      theme,
      lines.map((s) => s.name),
    ),
    marks: [
      ...(opts.rules ?? []).map((r) => Plot.ruleY([r], { stroke: theme.muted, strokeDasharray: '4 3' })),
      Plot.line(rows, { x: 'x', y: 'y', stroke: 'series', z: 'series' }),
      // Dots as well as lines: a layer whose neighbours are gaps (unreliable fits) still shows.
      Plot.dot(rows, {
        x: 'x',
        y: 'y',
        fill: 'series',
        r: 2.5,
        tip: true,
        title: (d: { series: string; x: number; y: number }) => `layer ${d.x} ${d.series}: ${d.y.toPrecision(4)}`,
      }),
    ],
  };
}

const clampP = (p: number) => Math.max(P_FLOOR, p);

/** p of each singular vector of one series against its index (log p), with the 0.05 line. */
export function vectorPPlot(rows: VectorPRow[], series: string, theme: Theme): Plot.PlotOptions | string {
  const mine = rows.filter((r) => r.series === series);
  if (!mine.length) return `No per-vector KS p for ${series}: the run tested no singular vectors here or kept no values.`;
  return {
    width: 640,
    height: 220,
    marginLeft: 56,
    x: { label: 'singular vector (1 = largest singular value)', tickFormat: 'd' },
    y: { label: 'KS p against N(0, 1/n)', type: 'log', grid: true, tickFormat: '~g', domain: [Math.min(0.01, ...mine.map((r) => clampP(r.p))), 1] },
    marks: [
      Plot.ruleY([0.05], { stroke: theme.muted, strokeDasharray: '4 3' }),
      Plot.dot(mine, {
        x: 'index',
        y: (r: VectorPRow) => clampP(r.p),
        r: 2,
        fill: (r: VectorPRow) => (r.p < 0.05 ? 'p < 0.05' : 'p ≥ 0.05'),
        tip: true,
        title: (r: VectorPRow) => `${r.series} vector ${r.index}: p = ${r.p.toPrecision(3)}`,
      }),
    ],
    color: { domain: ['p < 0.05', 'p ≥ 0.05'], range: [theme.categorical[1] ?? theme.accent, theme.muted], legend: true },
  };
}
