/**
 * The per-expert metric table of a spectra run: for one expert kind (gate, up or down) and one
 * metric, a layer × expert grid over the mixture-of-experts layers (rows in `grid.layers` order,
 * columns in `grid.experts` order). Pure data, shared by the panel's heatmap, the CLI and the tests;
 * imports nothing that runs, so the webview bundle can use it.
 */
import type { ExpertSelector } from '../../model/types';
import type { ExpertGrid, MatrixSpectra } from './spectra';
import { expertLabel } from '../common/expertLabel';

export { expertLabel };

export interface ExpertTable {
  kind: string;
  layers: number[];
  experts: ExpertSelector[];
  /** `values[i][j]`: layer `layers[i]`, expert `experts[j]`; null where not analysed or not a number. */
  values: (number | null)[][];
}

/** One kind's metric over the grid; `get` reads the metric from an entry (null: missing). */
export function expertTable(entries: readonly MatrixSpectra[], grid: ExpertGrid, kind: string, get: (e: MatrixSpectra) => number | null): ExpertTable {
  const row = new Map(grid.layers.map((l, i) => [l, i]));
  const col = new Map(grid.experts.map((e, j) => [e, j]));
  const values = grid.layers.map(() => new Array<number | null>(grid.experts.length).fill(null));
  for (const e of entries) {
    if (e.kind !== kind || e.expert === undefined) continue;
    const i = row.get(e.layer);
    const j = col.get(e.expert);
    if (i === undefined || j === undefined) continue;
    const v = get(e);
    values[i]![j] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  return { kind, layers: [...grid.layers], experts: [...grid.experts], values };
}

/** The grid of entries that arrived so far (partial results): their MoE layers, experts and kinds. */
export function gridOf(entries: readonly MatrixSpectra[]): ExpertGrid | undefined {
  const layers = new Set<number>();
  const experts = new Set<ExpertSelector>();
  const kinds = new Set<string>();
  for (const e of entries)
    if (e.expert !== undefined) {
      layers.add(e.layer);
      experts.add(e.expert);
      kinds.add(e.kind);
    }
  if (!experts.size) return undefined;
  const rank = (x: ExpertSelector) => (x === 'shared' ? Infinity : x);
  return {
    layers: [...layers].sort((a, b) => a - b),
    experts: [...experts].sort((a, b) => rank(a) - rank(b)),
    kinds: (['gate', 'up', 'down'] as const).filter((k) => kinds.has(k)),
  };
}
