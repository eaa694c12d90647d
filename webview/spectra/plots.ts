/**
 * Plot specifications of the spectra panel: the layer × kind heatmap, randomness vs depth, and the
 * singular-value histogram with the Marchenko–Pastur density of the matrix's shape and σ on top
 * and the entry-shuffled matrix's histogram as a step line (shuffledOverlay.ts).
 */
import * as Plot from '@observablehq/plot';
import type { Spectrum } from '../../src/analysis/methods/spectra/spectrum';
import { marchenkoPastur, mpCurve } from '../../src/analysis/stats/marchenkoPastur';
import { addHatchPattern, HATCH_FILL } from '../common/hatch';
import { lineOptions } from '../common/plot';
import type { Theme } from '../common/theme';
import type { Cell, MetricDef } from './metrics';
import { shuffledOverlayMarks } from './shuffledOverlay';

/** Column order of the layer × kind heatmap (also the keyboard's). */
export const KIND_ORDER = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'router', 'q_a', 'q_b', 'kv_a', 'kv_b'];

export function heatmapPlot(cells: Cell[], metric: MetricDef, theme: Theme, selected?: { layer: number; kind: string }): Plot.PlotOptions {
  const layers = [...new Set(cells.map((c) => c.layer))].sort((a, b) => a - b);
  const kinds = KIND_ORDER.filter((k) => cells.some((c) => c.kind === k));
  const present = cells.filter((c) => c.value !== null);
  const missing = cells.filter((c) => c.value === null && !c.flagged);
  const flagged = cells.filter((c) => c.flagged);
  const rowHeight = Math.max(10, Math.min(28, Math.floor(520 / Math.max(1, layers.length))));
  return {
    width: 120 + kinds.length * 64,
    height: 60 + layers.length * rowHeight,
    marginLeft: 56,
    padding: 0.04,
    x: { domain: kinds, label: 'matrix kind', axis: 'top' },
    y: { domain: layers, label: 'layer', ticks: layers.length > 40 ? layers.filter((d) => d % 5 === 0) : undefined, tickFormat: 'd' },
    color: {
      type: 'linear',
      scheme: theme.sequentialScheme as Plot.ColorScheme,
      domain: metric.domain,
      legend: true,
      label: metric.short,
      unknown: theme.grid,
    },
    marks: [
      Plot.cell(present, {
        className: 'll-spectra-cells',
        x: 'kind',
        y: 'layer',
        fill: 'value',
        tip: true,
        title: (c: Cell) => `layer ${c.layer} ${c.kind}\n${metric.short}: ${c.value}`,
      }),
      Plot.cell(missing, {
        className: 'll-spectra-missing',
        x: 'kind',
        y: 'layer',
        fill: theme.grid,
        title: (c: Cell) => `layer ${c.layer} ${c.kind}\n${metric.short}: ${c.note ?? 'not available'}`,
      }),
      Plot.text(missing, { x: 'kind', y: 'layer', text: () => '?', fill: theme.muted }),
      // NaN/Inf weights: hatched, never coloured; the tooltip names the counts and the tensor.
      Plot.cell(flagged, {
        className: 'll-spectra-flagged',
        x: 'kind',
        y: 'layer',
        fill: HATCH_FILL,
        stroke: theme.muted,
        tip: true,
        title: (c: Cell) => `layer ${c.layer} ${c.kind}\nnot computable: ${c.note}`,
      }),
      ...(selected ? [Plot.cell([selected], { x: 'kind', y: 'layer', fill: 'none', stroke: theme.foreground, strokeWidth: 2 })] : []),
    ],
  };
}

/**
 * Stable hooks for tests and tools: each drawn cell gets data-testid, its layer, kind and value
 * (Plot draws one <rect> per datum, in data order).
 */
export function annotateCells(plot: Element, cells: Cell[], theme: Theme): void {
  const present = cells.filter((c) => c.value !== null);
  const missing = cells.filter((c) => c.value === null && !c.flagged);
  const flagged = cells.filter((c) => c.flagged);
  const tag = (selector: string, list: Cell[], testid: string) => {
    plot.querySelectorAll(`${selector} rect`).forEach((rect, i) => {
      const c = list[i];
      if (!c) return;
      rect.setAttribute('data-testid', testid);
      rect.setAttribute('data-layer', String(c.layer));
      rect.setAttribute('data-kind', c.kind);
      if (c.value !== null) rect.setAttribute('data-value', String(c.value));
      if (c.flagged && c.note) rect.setAttribute('data-reason', c.note);
    });
  };
  tag('g.ll-spectra-cells', present, 'spectra-cell');
  tag('g.ll-spectra-missing', missing, 'spectra-cell-missing');
  tag('g.ll-spectra-flagged', flagged, 'spectra-cell-flagged');
  addHatchPattern(plot, theme);
}

export function depthPlot(series: { name: string; points: { x: number; y: number }[] }[], theme: Theme): Plot.PlotOptions {
  const options = lineOptions(series, theme, { xLabel: 'layer', yLabel: 'mean KS p of singular vectors', height: 260 });
  const layers = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  return {
    ...options,
    // Layers are integers: tick every layer while that stays readable.
    x: { ...(options.x as object), ticks: layers.length <= 24 ? layers : undefined, tickFormat: 'd' },
    y: { ...(options.y as object), domain: [0, 1] },
    color: { ...(options.color as object), legend: true, domain: series.map((s) => s.name) },
    marks: [
      Plot.ruleY([0.5], { stroke: theme.muted, strokeDasharray: '4 3' }),
      Plot.ruleY([0.05], { stroke: theme.muted, strokeDasharray: '1 3' }),
      ...(options.marks ?? []),
      Plot.dot(
        series.flatMap((s) => s.points.map((p) => ({ series: s.name, ...p }))),
        { x: 'x', y: 'y', fill: 'series', r: 2.5 },
      ),
    ],
  };
}

interface Bin {
  x0: number;
  x1: number;
  density: number;
}

/** Histogram of singular values as a density (area 1), so it is comparable with the MP density. */
export function densityBins(values: number[], hi: number, count: number): Bin[] {
  const width = hi / count;
  const counts = new Array<number>(count).fill(0);
  for (const v of values) counts[Math.min(count - 1, Math.max(0, Math.floor(v / width)))]!++;
  return counts.map((c, i) => ({ x0: i * width, x1: (i + 1) * width, density: c / (values.length * width) }));
}

export function histogramPlot(s: Spectrum, theme: Theme): Plot.PlotOptions | string {
  const values = s.singularValues;
  if (!values || values.length === 0) return 'Singular values were not kept for this run.';
  const max = Math.max(...values);
  const mp = s.mp;
  // With the shuffled matrix's histogram, the ESD is drawn on its bins (which cover both spectra).
  const shuffled = s.shuffled;
  const hi = shuffled?.hi ?? (Math.max(max, mp?.upperTolerant ?? 0) * 1.03 || 1);
  const bins = densityBins(values, hi, shuffled?.counts.length ?? Math.max(10, Math.min(80, Math.round(2 * Math.sqrt(values.length)))));
  const marks: Plot.Markish[] = [Plot.rectY(bins, { x1: 'x0', x2: 'x1', y: 'density', fill: theme.accent, fillOpacity: 0.55, inset: 0 })];
  if (shuffled) marks.push(...shuffledOverlayMarks(shuffled, theme));
  if (mp) {
    const law = marchenkoPastur(s.rows, s.cols, mp.sigma);
    const curve = mpCurve(law, 240);
    const points = curve.x.map((x, i) => ({ x, y: curve.y[i]! }));
    marks.push(
      Plot.line(points, { x: 'x', y: 'y', stroke: theme.categorical[1] ?? theme.foreground, strokeWidth: 2 }),
      Plot.ruleX([mp.lower, mp.upper], { stroke: theme.categorical[1] ?? theme.foreground, strokeDasharray: '4 3' }),
      Plot.ruleX([mp.upperTolerant], { stroke: theme.categorical[4] ?? theme.foreground, strokeDasharray: '1 3' }),
    );
    const spikes = values.filter((v) => v > mp.upperTolerant);
    if (spikes.length)
      marks.push(
        Plot.dot(spikes, {
          x: (d: number) => d,
          y: 0,
          r: 4,
          fill: theme.categorical[4] ?? theme.foreground,
          title: (d: number) => `spike: ν = ${d.toPrecision(4)}`,
        }),
      );
  }
  marks.push(Plot.ruleY([0], { stroke: theme.muted }));
  return {
    width: 640,
    height: 260,
    marginLeft: 56,
    x: { label: 'singular value ν', domain: [0, hi], tickFormat: '~g' },
    y: { label: 'density', grid: true },
    marks,
  };
}
