/**
 * CSV of an expert × expert similarity result. Wide (`expertsCsv`, the panel's "Export CSV"): one
 * row per pair with every index. Tidy (`expertsTidyRows`, `layer-lens experts --csv`):
 * `layer,kind,expert_a,expert_b,metric,value`, the same numbers one per row.
 */
import { csvCell as cell, type TidyRow } from '../common/csv';
import type { ExpertsResult } from './experts';

export function expertsCsv(r: ExpertsResult): string {
  const header = ['layer', 'kind', 'orientation', 'expert_a', 'expert_b', 'comparable', ...r.indices, 'reason'];
  const lines = [header.join(',')];
  for (const p of r.pairs) {
    lines.push([r.layer, r.kind, r.compared, p.expertA, p.expertB, p.comparable, ...r.indices.map((i) => p.values[i]), p.reason].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export const EXPERTS_TIDY_COLUMNS = ['layer', 'kind', 'expert_a', 'expert_b', 'metric', 'value'] as const;

/** Tidy rows, pairs in (expert_a, expert_b) order: each requested index by its id (empty when null). */
export function expertsTidyRows(r: ExpertsResult): TidyRow[] {
  const out: TidyRow[] = [];
  for (const p of r.pairs) {
    const key = { layer: r.layer, kind: r.kind, expert_a: p.expertA, expert_b: p.expertB };
    for (const i of r.indices) out.push({ ...key, metric: i, value: p.values[i] });
  }
  return out;
}
