/**
 * The suggested (and the last pruned) layers marked on the persistence-similarity heatmap: each
 * contiguous run of layers is a square block on the diagonal, outlined solid for the suggestion at
 * the slider's p and dashed for the layers removed by the last "prune and evaluate".
 */
import * as Plot from '@observablehq/plot';
import type { PersistenceResult } from '../../src/analysis/methods/persistence/persistence';
import type { Theme } from '../common/theme';
import { cloudLabel, heatmapPlot } from './plots';

/** Contiguous runs of the given layer indices, ascending: [1, 2, 3, 7] → [{1, 3}, {7, 7}]. */
export function layerBlocks(layers: readonly number[]): { first: number; last: number }[] {
  const sorted = [...new Set(layers)].sort((a, b) => a - b);
  const out: { first: number; last: number }[] = [];
  for (const l of sorted) {
    const prev = out[out.length - 1];
    if (prev && l === prev.last + 1) prev.last = l;
    else out.push({ first: l, last: l });
  }
  return out;
}

/** The heatmap cells on the outline of each block (its border cells): what the marks stroke. */
export function blockOutline(blocks: readonly { first: number; last: number }[]): { i: number; j: number }[] {
  return blocks.flatMap(({ first, last }) => {
    const cells: { i: number; j: number }[] = [];
    for (let i = first; i <= last; i++) for (let j = first; j <= last; j++) if (i === first || i === last || j === first || j === last) cells.push({ i, j });
    return cells;
  });
}

export function markedHeatmapPlot(
  r: PersistenceResult,
  dim: number,
  theme: Theme,
  suggested: readonly number[],
  pruned: readonly number[] = [],
): Plot.PlotOptions {
  const base = heatmapPlot(r, dim, theme);
  const mark = (layers: readonly number[], dash?: string) =>
    Plot.cell(blockOutline(layerBlocks(layers)), {
      x: (c: { j: number }) => cloudLabel(r, c.j),
      y: (c: { i: number }) => cloudLabel(r, c.i),
      fill: 'none',
      stroke: theme.foreground,
      strokeWidth: 2,
      strokeDasharray: dash,
    });
  return { ...base, marks: [...(base.marks ?? []), mark(suggested), ...(pruned.length ? [mark(pruned, '4 3')] : [])] };
}
