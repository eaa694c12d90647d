/**
 * Observable Plot in a Layer Lens webview: theme colours and fonts applied to every plot, the
 * page's CSP nonce given to the <style> elements Plot generates (the CSP allows no other inline
 * styles), each plot placed as a figure (figure.ts), and a few ready-made plots the panels share (histogram, heatmap, line chart).
 */
import * as Plot from '@observablehq/plot';
import { placeFigure, type FigureOptions } from './figure';
import { RASTER_CELLS, rasterCellRender } from './rasterCells';
import type { Theme } from './theme';

/** The nonce of this page's script tag; the CSP accepts <style> elements carrying it. */
function pageNonce(): string {
  const script = document.querySelector<HTMLScriptElement>('script[nonce]');
  return script?.nonce ?? '';
}

/** Applies the theme to Plot options (without overriding what the caller set). */
export function themed(options: Plot.PlotOptions, theme: Theme): Plot.PlotOptions {
  return {
    ...options,
    style: {
      color: theme.foreground,
      background: theme.background,
      fontFamily: theme.fontFamily,
      fontSize: `${Math.max(10, theme.fontSize - 2)}px`,
      overflow: 'visible',
      ...(typeof options.style === 'object' ? options.style : {}),
    },
  };
}

/**
 * Renders a plot into `container` (replacing its content) as a figure (figure.ts: caption, "Show as
 * table", the figure's own export menu, the keyboard for heatmaps) and returns the plot element.
 */
export function renderPlot(container: Element, options: Plot.PlotOptions, theme: Theme, figure: FigureOptions = {}): SVGSVGElement | HTMLElement {
  const el = Plot.plot(themed(options, theme));
  const nonce = pageNonce();
  // Set before the element enters the document: that is when the CSP check happens.
  for (const style of Array.from(el.querySelectorAll('style'))) style.nonce = nonce;
  if (el.tagName.toLowerCase() === 'style') (el as unknown as HTMLStyleElement).nonce = nonce;
  placeFigure(container, el, options, theme, figure);
  return el;
}

export interface HistogramBin {
  x0: number;
  x1: number;
  count: number;
}

export function histogramOptions(
  bins: HistogramBin[],
  theme: Theme,
  opts: { width?: number; height?: number; xLabel?: string; logY?: boolean } = {},
): Plot.PlotOptions {
  return {
    width: opts.width ?? 640,
    height: opts.height ?? 240,
    marginLeft: 56,
    x: { label: opts.xLabel ?? 'value', tickFormat: '~g' },
    y: { label: 'count', grid: true, type: opts.logY ? 'symlog' : 'linear', tickFormat: '~s' },
    marks: [Plot.rectY(bins, { x1: 'x0', x2: 'x1', y: 'count', fill: theme.accent, inset: 0, tip: true }), Plot.ruleY([0], { stroke: theme.muted })],
  };
}

export interface HeatmapCell {
  x: string | number;
  y: string | number;
  value: number;
}

/**
 * A matrix as coloured cells. `diverging` centres the scale on 0 (correlations); `domain` fixes the
 * colour range (e.g. [0, 1] for similarities) so panels stay comparable.
 */
export function heatmapOptions(
  cells: HeatmapCell[],
  theme: Theme,
  opts: {
    xLabel?: string;
    yLabel?: string;
    domain?: [number, number];
    diverging?: boolean;
    width?: number;
    height?: number;
    legendLabel?: string;
    /** Draw the cells as one image past RASTER_CELLS cells (rasterCells.ts); only where nothing needs a rect a cell. */
    raster?: boolean;
  } = {},
): Plot.PlotOptions {
  const render = opts.raster && cells.length > RASTER_CELLS ? rasterCellRender : undefined;
  return {
    width: opts.width ?? 560,
    height: opts.height ?? 520,
    marginLeft: 64,
    padding: 0,
    x: { label: opts.xLabel ?? null },
    y: { label: opts.yLabel ?? null },
    color: {
      type: opts.diverging ? 'diverging' : 'linear',
      scheme: (opts.diverging ? theme.divergingScheme : theme.sequentialScheme) as Plot.ColorScheme,
      domain: opts.domain,
      legend: true,
      label: opts.legendLabel,
    },
    marks: [Plot.cell(cells, { x: 'x', y: 'y', fill: 'value', tip: true, render })],
  };
}

export interface LineSeries {
  name: string;
  points: { x: number; y: number }[];
}

export function lineOptions(
  series: LineSeries[],
  theme: Theme,
  opts: { xLabel?: string; yLabel?: string; logX?: boolean; logY?: boolean; width?: number; height?: number } = {},
): Plot.PlotOptions {
  const rows = series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y })));
  return {
    width: opts.width ?? 640,
    height: opts.height ?? 300,
    marginLeft: 56,
    x: { label: opts.xLabel ?? null, type: opts.logX ? 'log' : 'linear' },
    y: { label: opts.yLabel ?? null, type: opts.logY ? 'log' : 'linear', grid: true },
    color: { range: theme.categorical, legend: series.length > 1 },
    marks: [Plot.line(rows, { x: 'x', y: 'y', stroke: 'series', tip: true })],
  };
}
