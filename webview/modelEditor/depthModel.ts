/**
 * Data shaping of the model editor's "Depth" section: ‖W‖_F, σ and max |w| against layer, one line
 * per kind (experts already folded by the worker: mean ‖W‖_F and σ, max of max |w|), and the rows
 * that could not be read or hold NaN/Inf, said plainly. Pure, so it is unit-tested without a DOM.
 */
import type { DepthStatRow, DepthStats } from '../../src/analysis/model/depthStats';

export type DepthMetric = 'frobenius' | 'std' | 'maxAbs';

export const DEPTH_METRICS: { id: DepthMetric; label: string }[] = [
  { id: 'frobenius', label: '‖W‖_F' },
  { id: 'std', label: 'σ (entry std)' },
  { id: 'maxAbs', label: 'max |w|' },
];

export interface DepthLine {
  name: string;
  points: { x: number; y: number; experts: number }[];
}

const KIND_ORDER = ['q', 'k', 'v', 'o', 'q_a', 'q_b', 'kv_a', 'kv_b', 'router', 'gate', 'up', 'down', 'gate shared', 'up shared', 'down shared'];
const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);

export function depthLines(stats: DepthStats, metric: DepthMetric): DepthLine[] {
  const byKind = new Map<string, DepthLine['points']>();
  for (const r of stats.rows) {
    const y = r[metric];
    if (typeof y !== 'number' || !Number.isFinite(y)) continue;
    const list = byKind.get(r.kind) ?? [];
    list.push({ x: r.layer, y, experts: r.experts });
    byKind.set(r.kind, list);
  }
  return [...byKind.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([name, points]) => ({ name, points: points.sort((p, q) => p.x - q.x) }));
}

/** One line per row that needs a word: unreadable (with the reason) or holding NaN/Inf. */
export function depthNotes(stats: DepthStats): string[] {
  const who = (r: DepthStatRow) => `layer ${r.layer} ${r.kind}${r.experts ? ` (${r.experts} experts)` : ''}`;
  return stats.rows.flatMap((r) => [
    ...(r.error ? [`${who(r)}: not read — ${r.error}`] : []),
    ...(r.nonFinite ? [`${who(r)}: ${r.nonFinite} NaN/Inf entries left out of the statistics`] : []),
  ]);
}
