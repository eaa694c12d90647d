/**
 * What the similarity panel draws, derived from a finished result or from the partials of a
 * running job (its plan, then pairs as they finish): the layer × layer cells of one index, the
 * adjacent-layer series, clusters and the colour domain. Pure, so it is unit-tested without a DOM.
 */
import { clusterFloor, findClusters, type ClusterResult } from '../../src/analysis/methods/similarity/clusters';
import type { LayerSimilarityResult, PairResult, SimilarityPlan } from '../../src/analysis/methods/similarity/layerSimilarity';
import type { SimilarityIndex } from '../../src/analysis/methods/similarity/names';
import type { SimilarityPartial } from '../../src/analysis/methods/similarity/job';

export interface SimilarityView {
  plan: SimilarityPlan;
  /** Keyed by `${a},${b}` with a < b (positions in plan.layers). */
  pairs: Map<string, PairResult>;
  /** Present once the job finished. */
  result?: LayerSimilarityResult;
}

export type CellState = 'value' | 'diagonal' | 'pending' | 'not-comparable' | 'non-finite' | 'undefined';

export interface HeatCell {
  /** Row position (y) and column position (x) in plan.layers. */
  a: number;
  b: number;
  x: string;
  y: string;
  value: number | null;
  state: CellState;
  pair?: PairResult;
}

const key = (a: number, b: number) => (a < b ? `${a},${b}` : `${b},${a}`);
export const layerLabel = (layer: number) => `L${layer}`;

export function viewFromResult(r: LayerSimilarityResult): SimilarityView {
  const plan: SimilarityPlan = {
    kind: r.kind,
    orientation: r.orientation,
    compared: r.compared,
    pairMode: r.pairMode,
    layers: r.layers,
    shapes: r.shapes,
    indices: r.indices,
    pairs: r.pairs.length,
    docsChance: r.docsChance,
  };
  return { plan, pairs: new Map(r.pairs.map((p) => [key(p.a, p.b), p])), result: r };
}

/** The view of a running job so far; undefined until its plan has arrived. */
export function viewFromPartials(partials: readonly SimilarityPartial[]): SimilarityView | undefined {
  let view: SimilarityView | undefined;
  for (const p of partials) {
    if (p.type === 'plan') view = { plan: p.plan, pairs: new Map() };
    else if (view) view.pairs.set(key(p.pair.a, p.pair.b), p.pair);
  }
  return view;
}

export function pairAt(view: SimilarityView, a: number, b: number): PairResult | undefined {
  return view.pairs.get(key(a, b));
}

/** The index value of positions a, b: 1 on the diagonal (every index is 1 for identical matrices). */
export function valueAt(view: SimilarityView, index: SimilarityIndex, a: number, b: number): number | null | undefined {
  if (a === b) return 1;
  const p = pairAt(view, a, b);
  if (!p) return undefined;
  if (!p.comparable) return null;
  return p.values[index] ?? (p.complete ? null : undefined);
}

/** Every cell of the layer × layer grid (rows a, columns b), in row-major order. */
export function heatCells(view: SimilarityView, index: SimilarityIndex): HeatCell[] {
  const labels = view.plan.layers.map(layerLabel);
  const cells: HeatCell[] = [];
  for (let a = 0; a < labels.length; a++) {
    for (let b = 0; b < labels.length; b++) {
      const pair = a === b ? undefined : pairAt(view, a, b);
      const v = valueAt(view, index, a, b);
      let state: CellState;
      if (a === b) state = 'diagonal';
      else if (!pair || v === undefined) state = 'pending';
      else if (!pair.comparable) state = 'not-comparable';
      else if (pair.nonFinite?.length) state = 'non-finite';
      else state = v === null ? 'undefined' : 'value';
      cells.push({ a, b, x: labels[b], y: labels[a], value: typeof v === 'number' ? v : null, state, pair });
    }
  }
  return cells;
}

/** Index values of consecutive layers in the list, for the line plot under the heatmap. */
export function adjacentSeries(view: SimilarityView, index: SimilarityIndex): { position: number; label: string; value: number }[] {
  const out: { position: number; label: string; value: number }[] = [];
  const layers = view.plan.layers;
  for (let a = 0; a + 1 < layers.length; a++) {
    const v = valueAt(view, index, a, a + 1);
    if (typeof v === 'number') out.push({ position: a, label: `${layerLabel(layers[a])}–${layerLabel(layers[a + 1])}`, value: v });
  }
  return out;
}

export function clustersOf(view: SimilarityView, index: SimilarityIndex, threshold?: number): ClusterResult {
  return findClusters(view.plan.layers.length, (a, b) => valueAt(view, index, a, b) ?? undefined, {
    adjacentOnly: view.plan.pairMode === 'adjacent',
    threshold,
    floor: clusterFloor(index, view.plan.docsChance),
  });
}

/** Flattened Pearson and cosine are signed: a diverging scale centred on 0. */
export function isSigned(index: SimilarityIndex): boolean {
  return index === 'pearson' || index === 'cosine';
}

/**
 * Spread below which colours would only amplify noise: a heatmap of values within 0.01 of each
 * other (layers all as unrelated as random matrices) must not look like strong structure.
 */
export const MIN_COLOUR_SPAN = 0.1;

/**
 * Colour domain over the off-diagonal values (the diagonal's 1 would otherwise squeeze every
 * other cell into one colour), at least MIN_COLOUR_SPAN wide; symmetric around 0 for signed indices.
 */
export function colourDomain(cells: readonly HeatCell[], index: SimilarityIndex): [number, number] {
  const values = cells.filter((c) => c.state === 'value').map((c) => c.value as number);
  if (values.length === 0) return isSigned(index) ? [-1, 1] : [0, 1];
  if (isSigned(index)) {
    const m = Math.max(MIN_COLOUR_SPAN / 2, ...values.map(Math.abs));
    return [-m, m];
  }
  const lo = Math.min(...values),
    hi = Math.max(...values);
  return [lo, Math.max(hi, lo + MIN_COLOUR_SPAN)];
}
