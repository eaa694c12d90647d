/**
 * The timeline as CSV: the panel's wide export (one row per checkpoint, layer and kind, one column
 * per metric) and the CLI's tidy rows (step, layer, kind, expert, metric, value).
 */
import { csvLine, type TidyRow } from '../common/csv';
import type { TimelineResult } from './names';

export const TIMELINE_TIDY_COLUMNS = ['step', 'checkpoint', 'layer', 'kind', 'expert', 'metric', 'value'] as const;

export function timelineTidyRows(r: TimelineResult): TidyRow[] {
  return r.checkpoints.flatMap((c) =>
    c.values.map((v) => ({
      step: c.step,
      checkpoint: c.name,
      layer: v.layer,
      kind: v.kind,
      // Only the gate/up/down of mixture-of-experts layers have one; dense layers leave it empty.
      expert: v.expert ?? null,
      metric: v.metric,
      value: v.value,
    })),
  );
}

/** Row order within a checkpoint: by layer, the per-layer values first, then the kinds in their usual order. */
const KIND_ORDER = ['', 'q', 'k', 'v', 'o', 'gate', 'up', 'down'];

export function timelineCsv(r: TimelineResult): string {
  const lines = [csvLine(['step', 'unit', 'checkpoint', 'layer', 'kind', 'expert', ...r.metrics])];
  for (const c of r.checkpoints) {
    const rows = new Map<string, { layer: number; kind: string; expert: string; values: Map<string, number | null> }>();
    for (const v of c.values) {
      const key = `${v.layer}#${v.kind ?? ''}#${v.expert ?? ''}`;
      if (!rows.has(key)) rows.set(key, { layer: v.layer, kind: v.kind ?? '', expert: v.expert === undefined ? '' : String(v.expert), values: new Map() });
      rows.get(key)!.values.set(v.metric, v.value);
    }
    const sorted = [...rows.values()].sort(
      (a, b) => a.layer - b.layer || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.expert < b.expert ? -1 : 1),
    );
    for (const row of sorted) lines.push(csvLine([c.step, c.unit, c.name, row.layer, row.kind, row.expert, ...r.metrics.map((x) => row.values.get(x))]));
  }
  return `${lines.join('\n')}\n`;
}
