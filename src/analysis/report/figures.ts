/**
 * Figures drawn from an analysis's tidy rows (the values of `layer-lens <analysis> --csv`), by a
 * plan that names the metric and which key columns are the axes and the series. Reading the same
 * rows as the tables keeps every figure consistent with the numbers printed next to it.
 */
import { csvCell, type TidyRow } from '../methods/common/csv';
import { heatmapSvg } from './svg/heatmap';
import { lineChartSvg, type LineSeries } from './svg/lineChart';
import type { ReportFigure } from './types';

/** Key column → the cell it must have ('' for a key that does not apply to the row). */
export type RowFilter = Record<string, string>;

export interface LinesPlan {
  type: 'lines';
  metric: string;
  /** The key column on the x axis (numeric: layer, step). */
  x: string;
  /** Key columns whose values name the series (one line each); none: one line. */
  series: string[];
  where?: RowFilter;
  xLabel?: string;
  yLabel?: string;
  caption: string;
}

export interface HeatmapPlan {
  type: 'heatmap';
  metric: string;
  x: string;
  y: string;
  /** One figure per value of these key columns (e.g. the matrix kind). */
  facet?: string[];
  where?: RowFilter;
  /** Fill (y, x) from (x, y) where only one triangle is stored (pairwise similarities). */
  symmetric?: boolean;
  domain?: [number, number];
  diverging?: boolean;
  xLabel?: string;
  yLabel?: string;
  caption: string;
}

export type FigurePlan = LinesPlan | HeatmapPlan;

const key = (r: TidyRow, c: string) => csvCell(r[c]);
const num = (v: TidyRow['value']): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'boolean' ? Number(v) : null);

function matching(rows: readonly TidyRow[], metric: string, where: RowFilter = {}): TidyRow[] {
  return rows.filter((r) => r.metric === metric && Object.entries(where).every(([c, v]) => key(r, c) === v));
}

/** Natural order of axis labels: numerically where every label is a number. */
function order(values: Iterable<string>): string[] {
  const list = [...new Set(values)];
  return list.every((v) => v !== '' && Number.isFinite(Number(v))) ? list.sort((a, b) => Number(a) - Number(b)) : list;
}

function linesFigure(rows: readonly TidyRow[], p: LinesPlan): ReportFigure[] {
  const picked = matching(rows, p.metric, p.where).filter((r) => key(r, p.x) !== '' && Number.isFinite(Number(key(r, p.x))));
  if (!picked.length) return [];
  // Several rows at one (series, x), e.g. every layer at one step: their mean, said in the caption.
  const groups = new Map<string, Map<number, number[]>>();
  let averaged = false;
  for (const r of picked) {
    const name =
      p.series
        .map((c) => key(r, c))
        .filter(Boolean)
        .join(' ') || p.metric;
    const x = Number(key(r, p.x));
    const at = groups.get(name) ?? new Map<number, number[]>();
    groups.set(name, at);
    const list = at.get(x) ?? [];
    if (list.length) averaged = true;
    at.set(x, list);
    const v = num(r.value);
    if (v !== null) list.push(v);
  }
  const series: LineSeries[] = [...groups].map(([name, at]) => ({
    name,
    points: [...at].map(([x, vs]) => ({ x, y: vs.length ? vs.reduce((s, v) => s + v, 0) / vs.length : null })),
  }));
  const svg = lineChartSvg({ series, xLabel: p.xLabel ?? p.x, yLabel: p.yLabel ?? p.metric });
  return [{ caption: averaged ? `${p.caption} (mean over the rows at each ${p.xLabel ?? p.x})` : p.caption, svg }];
}

function heatmapFigures(rows: readonly TidyRow[], p: HeatmapPlan): ReportFigure[] {
  const picked = matching(rows, p.metric, p.where).filter((r) => key(r, p.x) !== '' && key(r, p.y) !== '');
  const facets = new Map<string, TidyRow[]>();
  for (const r of picked) {
    const f = (p.facet ?? []).map((c) => `${c} ${key(r, c)}`).join(', ');
    const list = facets.get(f) ?? [];
    facets.set(f, list);
    list.push(r);
  }
  return [...facets].map(([facet, rs]) => {
    const cells = rs.map((r) => ({ x: key(r, p.x), y: key(r, p.y), value: num(r.value) }));
    if (p.symmetric) cells.push(...cells.map((c) => ({ x: c.y, y: c.x, value: c.value })));
    const axis = order(cells.flatMap((c) => (p.symmetric ? [c.x, c.y] : [c.x])));
    const xs = axis;
    const ys = p.symmetric ? axis : order(cells.map((c) => c.y));
    const label = facet ? `${p.metric} · ${facet}` : p.metric;
    const svg = heatmapSvg({ xs, ys, cells, xLabel: p.xLabel ?? p.x, yLabel: p.yLabel ?? p.y, label, domain: p.domain, diverging: p.diverging });
    return { caption: facet ? `${p.caption} (${facet})` : p.caption, svg };
  });
}

export function planFigures(rows: readonly TidyRow[], plans: readonly FigurePlan[]): ReportFigure[] {
  return plans.flatMap((p) => (p.type === 'lines' ? linesFigure(rows, p) : heatmapFigures(rows, p)));
}
