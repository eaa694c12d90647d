/**
 * A checkpoint diff as CSV for "Export CSV": one row per compared matrix with every metric, then
 * one row per embedding/lm_head and per other tensor (their matrix-only columns empty), then every
 * tensor that could not be paired with the reason. Non-finite values are empty cells.
 */
import type { DiffResult } from './diff';

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const DIFF_CSV_COLUMNS = [
  'layer', 'kind', 'tensor', 'rows', 'cols', 'dtype_a', 'dtype_b', 'norm_a', 'norm_b', 'norm_delta', 'rel_change', 'cosine', 'max_abs_delta',
  'docs', 'delta_stable_rank', 'delta_effective_rank', 'delta_sigma1', 'delta_sigma2', 'delta_sigma3', 'delta_sigma4',
  'alpha_a', 'alpha_b', 'stable_rank_a', 'stable_rank_b', 'log_spectral_norm_a', 'log_spectral_norm_b', 'log_norm_a', 'log_norm_b', 'status',
] as const;

export function diffCsv(r: DiffResult): string {
  const lines: string[] = [DIFF_CSV_COLUMNS.join(',')];
  const width = DIFF_CSV_COLUMNS.length;
  const pad = (cells: unknown[]) => [...cells, ...new Array(Math.max(0, width - cells.length)).fill('')];
  for (const e of r.entries) {
    const s = e.delta.singularValues;
    lines.push([
      e.layer, e.kind, '', e.shape[0], e.shape[1], e.dtypeA, e.dtypeB, e.normA, e.normB, e.normDelta, e.relChange, e.cosine, e.maxAbsDelta,
      e.docs, e.delta.stableRank, e.delta.effectiveRank, s[0], s[1], s[2], s[3],
      e.a?.alpha, e.b?.alpha, e.a?.stableRank, e.b?.stableRank, e.a?.logSpectralNorm, e.b?.logSpectralNorm, e.a?.logNorm, e.b?.logNorm, 'compared',
    ].map(cell).join(','));
  }
  for (const m of r.embeddings) {
    const row = pad(['', m.role, m.tensorB, m.rowsCompared, m.hidden, '', '', '', '', '', m.relChange, m.cosine]);
    row[width - 1] = `compared (${m.changedRows} of ${m.rowsCompared} rows changed)`;
    lines.push(row.map(cell).join(','));
  }
  for (const o of r.others) {
    const row = pad(['', 'other', o.name, o.shape[0], o.shape.slice(1).reduce((a, b) => a * b, 1), '', '', '', '', '', o.relChange, o.cosine, o.maxAbsDelta]);
    row[width - 1] = 'compared';
    lines.push(row.map(cell).join(','));
  }
  for (const u of r.report.unmatched) {
    const row = pad(['', 'unmatched', u.what]);
    row[width - 1] = `${u.reason} (A ${u.shapeA ? `[${u.shapeA.join(' ')}]` : 'absent'}, B ${u.shapeB ? `[${u.shapeB.join(' ')}]` : 'absent'})`;
    lines.push(row.map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
