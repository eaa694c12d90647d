/**
 * Plot specifications of the training-timeline panel: the layer × step heatmap of one metric and
 * one line per layer over the steps.
 */
import * as Plot from '@observablehq/plot';
import { thinnedTicks } from '../common/axisTicks';
import { heatmapOptions, lineOptions, type HeatmapCell, type LineSeries } from '../common/plot';
import type { Theme } from '../common/theme';

export interface TimelineCell {
  step: number;
  layer: number;
  value: number;
}

const WIDTH = 640;

export function timelineHeatmapOptions(cells: readonly TimelineCell[], what: string, theme: Theme): Plot.PlotOptions {
  const heatCells: HeatmapCell[] = cells.map((c) => ({ x: c.step, y: c.layer, value: c.value }));
  const options = heatmapOptions(heatCells, theme, {
    xLabel: 'step',
    yLabel: 'layer',
    legendLabel: what,
    width: WIDTH,
    height: 60 + 22 * new Set(cells.map((c) => c.layer)).size,
  });
  // 50 steps of 5–6 digits leave 11 px a band: every k-th step labelled, a label's width apart (common/axisTicks.ts).
  const steps = [...new Set(cells.map((c) => c.step))].sort((a, b) => a - b);
  const chars = Math.max(1, ...steps.map((s) => String(s).length));
  return { ...options, x: { ...(options.x as object), ticks: thinnedTicks(steps, WIDTH - 84, 7 * chars + 10) } };
}

/**
 * One line per layer. Up to as many layers as the theme has series colours, each its own colour and
 * a swatch legend; more (80 layers), coloured by layer on the sequential scheme with a ramp legend:
 * 80 swatches of six repeating colours would name no line, a ramp reads as shallow → deep.
 */
export function timelineLineOptions(cells: readonly TimelineCell[], what: string, theme: Theme): Plot.PlotOptions {
  const layers = new Set(cells.map((c) => c.layer));
  if (layers.size > theme.categorical.length)
    return {
      width: WIDTH,
      height: 300,
      marginLeft: 56,
      x: { label: 'step' },
      y: { label: what, grid: true },
      color: { type: 'linear', scheme: theme.sequentialScheme as Plot.ColorScheme, legend: true, label: 'layer' },
      marks: [
        Plot.line(cells as TimelineCell[], {
          x: 'step',
          y: 'value',
          z: 'layer',
          stroke: 'layer',
          tip: true,
          title: (c: TimelineCell) => `layer ${c.layer}, step ${c.step}: ${c.value}`,
        }),
      ],
    };
  const byLayer = new Map<number, LineSeries>();
  for (const c of cells) {
    if (!byLayer.has(c.layer)) byLayer.set(c.layer, { name: `layer ${c.layer}`, points: [] });
    byLayer.get(c.layer)!.points.push({ x: c.step, y: c.value });
  }
  return lineOptions([...byLayer.values()], theme, { xLabel: 'step', yLabel: what });
}
