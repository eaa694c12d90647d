/**
 * What the correlations panel draws, from a finished result or from the layers streamed so far:
 * layer × head cells of each head measure, layer × measure cells of M7 and M8, the M1-vs-M5 points
 * of the M6 scatter with the regression line, and symmetric colour domains (M1, M2, M3 share one).
 * Values crossing into the webview lose NaN (it arrives as null): null means "not applicable or
 * undefined", and the reason comes from the result's notApplicable list or the layer's notes.
 * Pure, so it is unit-tested without a DOM.
 */
import type { CorrelationsResult, LayerCorrelations } from '../../src/analysis/methods/correlations/correlations';
import {
  HEAD_MEASURE_ROLES,
  M7_LABELS,
  M7_MEASURES,
  M8_LABELS,
  M8_MEASURES,
  MLP_MEASURE_ROLES,
  type HeadMeasure,
  type M7Measure,
  type M8Measure,
} from '../../src/analysis/methods/correlations/names';
import type { WeightFlag } from '../../src/analysis/methods/common/nonFinite';
import type { Regression } from '../../src/analysis/methods/correlations/regression';

export interface CorrCell {
  measure: string;
  layer: number;
  /** Query head (head measures) or the column's position (M7, M8). */
  col: number;
  x: string;
  y: string;
  value: number | null;
  kvHead?: number;
  /** Why the value is missing. */
  reason?: string;
  /** Missing because a matrix it needs holds NaN/Inf: drawn hatched, the reason names the counts. */
  flagged?: true;
}

export interface ScatterPoint {
  layer: number;
  head: number;
  M1: number;
  M5: number;
}

export const layerLabel = (layer: number) => `L${layer}`;
export const headLabel = (head: number) => `h${head}`;

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function reasonFor(result: Pick<CorrelationsResult, 'notApplicable'> | undefined, entry: LayerCorrelations, measure: string): string {
  const na = result?.notApplicable.find((n) => n.measure === measure);
  if (na) return `not applicable: ${na.reason}`;
  return entry.notes.length ? entry.notes.join('; ') : 'undefined (a constant matrix)';
}

/** The flags among `flags` that a measure reading `roles` depends on, as a cell's flag fields. */
function flagFields(flags: readonly WeightFlag[] | undefined, roles: readonly string[]): Pick<CorrCell, 'flagged' | 'reason'> | null {
  const hit = (flags ?? []).filter((f) => roles.includes(f.role));
  return hit.length ? { flagged: true, reason: hit.map((f) => f.summary).join('; ') } : null;
}

export function headCells(entries: readonly LayerCorrelations[], measure: HeadMeasure, result?: Pick<CorrelationsResult, 'notApplicable'>): CorrCell[] {
  return entries.flatMap((e) =>
    e.heads.map((h): CorrCell => {
      const value = finite(h[measure]);
      const cell: CorrCell = {
        measure,
        layer: e.layer,
        col: h.head,
        x: headLabel(h.head),
        y: layerLabel(e.layer),
        value,
        kvHead: h.kvHead,
        reason: value === null ? reasonFor(result, e, measure) : undefined,
      };
      return value === null ? { ...cell, ...flagFields(h.nonFinite, HEAD_MEASURE_ROLES[measure]) } : cell;
    }),
  );
}

export function mlpCells(entries: readonly LayerCorrelations[], group: 'm7' | 'm8', result?: Pick<CorrelationsResult, 'notApplicable'>): CorrCell[] {
  const measures: readonly (M7Measure | M8Measure)[] = group === 'm7' ? M7_MEASURES : M8_MEASURES;
  const labels: Record<string, string> = group === 'm7' ? M7_LABELS : M8_LABELS;
  return entries.flatMap((e) =>
    measures.map((m, i): CorrCell => {
      const value = finite((e[group] as Record<string, number | null>)[m]);
      const cell: CorrCell = {
        measure: m,
        layer: e.layer,
        col: i,
        x: labels[m],
        y: layerLabel(e.layer),
        value,
        reason: value === null ? reasonFor(result, e, m) : undefined,
      };
      return value === null ? { ...cell, ...flagFields(e.nonFinite, MLP_MEASURE_ROLES[m]) } : cell;
    }),
  );
}

/** [−m, m] with m the largest |value| (a diverging scale centred on 0); [−1, 1] when nothing is finite. */
export function symmetricDomain(...groups: readonly CorrCell[][]): [number, number] {
  let m = 0;
  for (const g of groups) for (const c of g) if (c.value !== null) m = Math.max(m, Math.abs(c.value));
  return m > 0 ? [-m, m] : [-1, 1];
}

export function scatterPoints(entries: readonly LayerCorrelations[]): ScatterPoint[] {
  return entries.flatMap((e) =>
    e.heads.flatMap((h) => {
      const x = finite(h.M1),
        y = finite(h.M5);
      return x === null || y === null ? [] : [{ layer: e.layer, head: h.head, M1: x, M5: y }];
    }),
  );
}

/** The M6 line's two ends over the points' M1 range. */
export function regressionSegment(m6: Regression | null | undefined, points: readonly ScatterPoint[]): { M1: number; M5: number }[] {
  if (!m6 || points.length === 0) return [];
  const xs = points.map((p) => p.M1);
  const lo = Math.min(...xs),
    hi = Math.max(...xs);
  return [lo, hi].map((x) => ({ M1: x, M5: m6.intercept + m6.slope * x }));
}

/** Heads per layer (query heads) and the layers present, for axis domains. */
export function axes(entries: readonly LayerCorrelations[]): { layers: string[]; heads: string[] } {
  const heads = Math.max(0, ...entries.map((e) => e.heads.length));
  return { layers: entries.map((e) => layerLabel(e.layer)), heads: Array.from({ length: heads }, (_, h) => headLabel(h)) };
}
