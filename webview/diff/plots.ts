/**
 * Plot specifications of the checkpoint-diff panel: a compact layer × kind heatmap (three of them
 * stand side by side), the histogram of a delta's entries, and the delta's singular values.
 */
import { HATCH_FILL } from '../common/hatch';
import * as Plot from '@observablehq/plot';
import type { HistogramBin } from '../../src/analysis/methods/diff/metrics';
import { histogramOptions } from '../common/plot';
import type { Theme } from '../common/theme';
import type { Cell } from './metrics';

// The seven roles, then the router and MLA's factor matrices (the diff pairs those by layer and kind too).
const KIND_ORDER = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'router', 'q_a', 'q_b', 'kv_a', 'kv_b'];

/** Columns in kind order; an expert's columns (`up e2`, `up shared`) after their kind's, shared first, then by index. */
export function kindColumns(kinds: Iterable<string>): string[] {
  const rank = (k: string): [number, number] => {
    const [base, ex] = k.split(' ');
    const b = KIND_ORDER.indexOf(base);
    // A folded column of routed experts (`up experts`, expertFold.ts) after the shared expert.
    return [b < 0 ? KIND_ORDER.length : b, ex === undefined ? -2 : ex === 'shared' ? -1 : ex === 'experts' ? 0 : Number(ex.slice(1))];
  };
  return [...new Set(kinds)].sort((x, y) => {
    const [a1, a2] = rank(x);
    const [b1, b2] = rank(y);
    return a1 - b1 || a2 - b2 || x.localeCompare(y);
  });
}

export interface HeatmapSpec {
  label: string;
  domain?: [number, number];
  diverging?: boolean;
}

export function heatmapPlot(cells: Cell[], spec: HeatmapSpec, theme: Theme): Plot.PlotOptions {
  const layers = [...new Set(cells.map((c) => c.layer))].sort((a, b) => a - b);
  const kinds = kindColumns(cells.map((c) => c.kind));
  const present = cells.filter((c) => c.value !== null);
  const missing = cells.filter((c) => c.value === null && !c.flagged);
  const flagged = cells.filter((c) => c.flagged);
  const rowHeight = Math.max(8, Math.min(24, Math.floor(480 / Math.max(1, layers.length))));
  // Names longer than a 28 px column ('up shared', 'gate experts') stand upright above it, with room for the longest.
  const longest = Math.max(0, ...kinds.map((k) => k.length));
  const upright = longest > 4;
  const marginTop = upright ? 24 + Math.ceil(6.5 * longest) : undefined;
  return {
    width: 44 + kinds.length * 28,
    height: 84 + layers.length * rowHeight + (marginTop ?? 30) - 30,
    marginLeft: 36,
    marginRight: 8,
    marginTop,
    padding: 0.05,
    x: { domain: kinds, label: null, axis: 'top', tickRotate: upright ? -90 : 0 },
    y: { domain: layers, label: 'layer', ticks: layers.length > 40 ? layers.filter((d) => d % 5 === 0) : undefined, tickFormat: 'd' },
    color: {
      type: spec.diverging ? 'diverging' : 'linear',
      scheme: (spec.diverging ? theme.divergingScheme : theme.sequentialScheme) as Plot.ColorScheme,
      domain: spec.domain,
      legend: true,
      label: spec.label,
      unknown: theme.grid,
    },
    marks: [
      Plot.cell(present, {
        className: 'll-diff-cells',
        x: 'kind',
        y: 'layer',
        fill: 'value',
        title: (c: Cell) => `layer ${c.layer} ${c.kind}\n${spec.label}: ${c.value}${c.note ? `\n${c.note}` : ''}`,
      }),
      Plot.cell(missing, {
        className: 'll-diff-missing',
        x: 'kind',
        y: 'layer',
        fill: theme.grid,
        title: (c: Cell) => `layer ${c.layer} ${c.kind}\n${spec.label}: not available`,
      }),
      // NaN/Inf weights in A or B: hatched, never coloured; the tooltip names the counts and tensor.
      Plot.cell(flagged, {
        className: 'll-diff-flagged',
        x: 'kind',
        y: 'layer',
        fill: HATCH_FILL,
        stroke: theme.muted,
        title: (c: Cell) => `layer ${c.layer} ${c.kind}\nnot computable: ${c.note}`,
      }),
    ],
  };
}

/** Tags each drawn cell with data-testid, layer, kind and value (Plot draws one rect per datum, in order). */
export function annotateCells(plot: Element, cells: Cell[], testid: string): void {
  const tag = (selector: string, list: Cell[], id: string) => {
    plot.querySelectorAll(`${selector} rect`).forEach((rect, i) => {
      const c = list[i];
      if (!c) return;
      rect.setAttribute('data-testid', id);
      rect.setAttribute('data-layer', String(c.layer));
      rect.setAttribute('data-kind', c.kind);
      if (c.value !== null) rect.setAttribute('data-value', String(c.value));
      if (c.flagged && c.note) rect.setAttribute('data-reason', c.note);
    });
  };
  tag(
    'g.ll-diff-cells',
    cells.filter((c) => c.value !== null),
    testid,
  );
  tag(
    'g.ll-diff-missing',
    cells.filter((c) => c.value === null && !c.flagged),
    `${testid}-missing`,
  );
  tag(
    'g.ll-diff-flagged',
    cells.filter((c) => c.flagged),
    `${testid}-flagged`,
  );
}

export function deltaHistogramPlot(bins: HistogramBin[], theme: Theme): Plot.PlotOptions | string {
  if (bins.length === 1 && bins[0]!.x0 === bins[0]!.x1) return `Δ is exactly zero: all ${bins[0]!.count} entries are unchanged.`;
  return histogramOptions(bins, theme, { xLabel: 'Δ entry (B − A)', logY: true, height: 220 });
}

export function singularValuesPlot(values: number[], theme: Theme): Plot.PlotOptions | string {
  if (!values.length || !(values[0]! > 0)) return 'Δ is zero: it has no singular values above 0.';
  // Exact zeros cannot sit on a log axis; they are listed in the summary instead.
  const points = values.map((s, i) => ({ i: i + 1, s })).filter((p) => p.s > 0);
  return {
    width: 520,
    height: 220,
    marginLeft: 56,
    x: { label: 'index i', tickFormat: 'd' },
    y: { label: 'σᵢ of Δ', type: 'log', grid: true, tickFormat: '~g' },
    marks: [
      Plot.line(points, { x: 'i', y: 's', stroke: theme.accent }),
      Plot.dot(points, { x: 'i', y: 's', fill: theme.accent, r: 2.5, title: (p: { i: number; s: number }) => `σ${p.i} = ${p.s}` }),
    ],
  };
}

export function rowChangePlot(bins: HistogramBin[], theme: Theme): Plot.PlotOptions | string {
  if (bins.length === 1 && bins[0]!.x0 === bins[0]!.x1) return `No token row changed (${bins[0]!.count} rows compared).`;
  return histogramOptions(bins, theme, { xLabel: 'relative change of a token row ‖b_r − a_r‖ / ‖a_r‖', logY: true, height: 200 });
}
