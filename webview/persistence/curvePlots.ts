/**
 * The pruning-curves plots of the persistence panel (curves.ts draws them): perplexity (log scale)
 * and multiple-choice accuracy against the number of layers removed, one line per method with its
 * own colour and marker shape; the zigzag points at the suggested sizes ringed.
 */
import * as Plot from '@observablehq/plot';
import type { CurvePoint, PruneCurvesResult } from '../../src/analysis/methods/persistence/evaluation/job';
import { CURVE_METHOD_LABELS, CURVE_METHODS } from '../../src/analysis/methods/persistence/evaluation/removal';
import type { Theme } from '../common/theme';

/** Marker per method, so the lines stay apart without colour. */
const SYMBOLS = ['circle', 'square', 'triangle'];

interface Row {
  n: number;
  value: number;
  method: string;
  removed: string;
}

function rows(r: PruneCurvesResult, value: (p: CurvePoint) => number | undefined): Row[] {
  return r.points.flatMap((p) => {
    const v = value(p);
    return v === undefined || !Number.isFinite(v) ? [] : [{ n: p.n, value: v, method: CURVE_METHOD_LABELS[p.method], removed: p.removed.join(', ') || 'none' }];
  });
}

function methodScales(theme: Theme): Pick<Plot.PlotOptions, 'color' | 'symbol'> {
  const domain = CURVE_METHODS.map((m) => CURVE_METHOD_LABELS[m]);
  return { color: { legend: true, domain, range: theme.categorical }, symbol: { domain, range: SYMBOLS } };
}

/** Perplexity against layers removed, log y; the zigzag points at the run's suggested sizes ringed. */
export function perplexityCurvesPlot(r: PruneCurvesResult, theme: Theme): Plot.PlotOptions {
  const data = rows(r, (p) => p.perplexity.perplexity);
  const sizes = new Set(r.suggestions.map((s) => s.n).filter((n) => n > 0));
  const suggested = data.filter((d) => d.method === CURVE_METHOD_LABELS.zigzag && sizes.has(d.n));
  return {
    width: 560,
    height: 280,
    marginLeft: 64,
    x: { label: 'layers removed n', tickFormat: 'd', ticks: r.maxRemoved + 1 },
    y: { label: 'perplexity (log)', type: 'log', grid: true },
    ...methodScales(theme),
    marks: [
      Plot.line(data, { x: 'n', y: 'value', stroke: 'method' }),
      Plot.dot(data, {
        x: 'n',
        y: 'value',
        stroke: 'method',
        fill: 'method',
        symbol: 'method',
        r: 4,
        tip: true,
        title: (d: Row) => `${d.method}\nremoved: ${d.removed}\nperplexity ${d.value.toFixed(3)}`,
      }),
      Plot.dot(suggested, { x: 'n', y: 'value', r: 9, stroke: theme.accent, strokeWidth: 2, fill: 'none' }),
      Plot.text(suggested, { x: 'n', y: 'value', text: () => 'suggestion', dy: -14, fill: theme.accent }),
    ],
  };
}

/** acc (solid) and acc_norm (dashed) against layers removed. */
export function accuracyCurvesPlot(r: PruneCurvesResult, theme: Theme): Plot.PlotOptions {
  const acc = rows(r, (p) => p.choices?.acc);
  const norm = rows(r, (p) => p.choices?.accNorm);
  return {
    width: 560,
    height: 260,
    marginLeft: 64,
    x: { label: 'layers removed n', tickFormat: 'd', ticks: r.maxRemoved + 1 },
    y: { label: 'accuracy (solid: acc, dashed: acc_norm)', domain: [0, 1], grid: true },
    ...methodScales(theme),
    marks: [
      Plot.line(acc, { x: 'n', y: 'value', stroke: 'method' }),
      Plot.line(norm, { x: 'n', y: 'value', stroke: 'method', strokeDasharray: '5,4' }),
      Plot.dot(acc, {
        x: 'n',
        y: 'value',
        fill: 'method',
        symbol: 'method',
        r: 4,
        tip: true,
        title: (d: Row) => `${d.method}\nremoved: ${d.removed}\nacc ${d.value.toFixed(3)}`,
      }),
      Plot.dot(norm, {
        x: 'n',
        y: 'value',
        stroke: 'method',
        fill: 'none',
        symbol: 'method',
        r: 4,
        tip: true,
        title: (d: Row) => `${d.method}\nremoved: ${d.removed}\nacc_norm ${d.value.toFixed(3)}`,
      }),
    ],
  };
}
