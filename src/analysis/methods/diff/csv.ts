/**
 * A checkpoint diff as CSV. Wide (`diffCsv`, the panel's "Export CSV"): one row per compared matrix
 * with every metric, then one row per embedding/lm_head and per other tensor (their matrix-only
 * columns empty), then every tensor that could not be paired with the reason. Non-finite values are
 * empty cells. Tidy (`diffTidyRows`, `layer-lens diff --csv`): `layer,kind,tensor,metric,value`,
 * one number per row (csv.ts).
 */
import { csvCell as cell, type TidyRow } from '../common/csv';
import type { DiffResult } from './diff';
import type { MatrixDiff } from './matrix';
import { expertLabel } from '../common/expertLabel';

export const DIFF_CSV_COLUMNS = [
  'layer',
  'kind',
  'tensor',
  'rows',
  'cols',
  'dtype_a',
  'dtype_b',
  'norm_a',
  'norm_b',
  'norm_delta',
  'rel_change',
  'cosine',
  'max_abs_delta',
  'docs',
  'delta_stable_rank',
  'delta_effective_rank',
  'delta_sigma1',
  'delta_sigma2',
  'delta_sigma3',
  'delta_sigma4',
  'alpha_a',
  'alpha_b',
  'stable_rank_a',
  'stable_rank_b',
  'log_spectral_norm_a',
  'log_spectral_norm_b',
  'log_norm_a',
  'log_norm_b',
  'status',
] as const;

/** The kind column: `up`, or `up e2` / `up shared` for an expert's matrix (as non-finite flags name them). */
function kindCell(e: MatrixDiff): string {
  return e.expert === undefined ? e.kind : `${e.kind} ${expertLabel(e.expert)}`;
}

export function diffCsv(r: DiffResult): string {
  const lines: string[] = [DIFF_CSV_COLUMNS.join(',')];
  const width = DIFF_CSV_COLUMNS.length;
  const pad = (cells: unknown[]) => [...cells, ...new Array(Math.max(0, width - cells.length)).fill('')];
  for (const e of r.entries) {
    const s = e.delta.singularValues;
    lines.push(
      [
        e.layer,
        kindCell(e),
        '',
        e.shape[0],
        e.shape[1],
        e.dtypeA,
        e.dtypeB,
        e.normA,
        e.normB,
        e.normDelta,
        e.relChange,
        e.cosine,
        e.maxAbsDelta,
        e.docs,
        e.delta.stableRank,
        e.delta.effectiveRank,
        s[0],
        s[1],
        s[2],
        s[3],
        e.a?.alpha,
        e.b?.alpha,
        e.a?.stableRank,
        e.b?.stableRank,
        e.a?.logSpectralNorm,
        e.b?.logSpectralNorm,
        e.a?.logNorm,
        e.b?.logNorm,
        'compared',
      ]
        .map(cell)
        .join(','),
    );
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

export const DIFF_TIDY_COLUMNS = ['layer', 'kind', 'tensor', 'metric', 'value'] as const;

/**
 * Tidy rows. Each compared matrix (layer, kind; tensor empty): rows, cols, norm_a, norm_b,
 * norm_delta, rel_change, cosine, max_abs_delta, max_entry_rel_change, delta_stable_rank,
 * delta_effective_rank, delta_sigma1…4; docs when DOCS is on; alpha_a/b, alpha_reliable_a/b,
 * stable_rank_a/b, log_spectral_norm_a/b, log_norm_a/b when spectra are on. A matrix pair left out
 * because A or B holds NaN/Inf: non_finite_a or non_finite_b, the count. Each embedding/lm_head
 * (kind embed or lm_head, tensor: B's name): rows_compared, hidden, rel_change, cosine,
 * changed_rows, mean_row_change, max_row_change. Each other tensor (kind other, tensor: its name):
 * rel_change, cosine, max_abs_delta. Unpaired tensors and token lists are in --json only.
 */
export function diffTidyRows(r: DiffResult): TidyRow[] {
  const out: TidyRow[] = [];
  for (const e of r.entries) {
    const key = { layer: e.layer, kind: kindCell(e) };
    const s = e.delta.singularValues;
    const values: [string, number | boolean | null | undefined][] = [
      ['rows', e.shape[0]],
      ['cols', e.shape[1]],
      ['norm_a', e.normA],
      ['norm_b', e.normB],
      ['norm_delta', e.normDelta],
      ['rel_change', e.relChange],
      ['cosine', e.cosine],
      ['max_abs_delta', e.maxAbsDelta],
      ['max_entry_rel_change', e.maxEntryRelChange],
      ['delta_stable_rank', e.delta.stableRank],
      ['delta_effective_rank', e.delta.effectiveRank],
      ['delta_sigma1', s[0]],
      ['delta_sigma2', s[1]],
      ['delta_sigma3', s[2]],
      ['delta_sigma4', s[3]],
    ];
    if (r.options.docs) values.push(['docs', e.docs]);
    if (r.options.spectra) {
      values.push(
        ['alpha_a', e.a?.alpha],
        ['alpha_b', e.b?.alpha],
        ['alpha_reliable_a', e.a?.alphaReliable],
        ['alpha_reliable_b', e.b?.alphaReliable],
        ['stable_rank_a', e.a?.stableRank],
        ['stable_rank_b', e.b?.stableRank],
        ['log_spectral_norm_a', e.a?.logSpectralNorm],
        ['log_spectral_norm_b', e.b?.logSpectralNorm],
        ['log_norm_a', e.a?.logNorm],
        ['log_norm_b', e.b?.logNorm],
      );
    }
    for (const [metric, value] of values) out.push({ ...key, metric, value });
  }
  for (const f of r.nonFinite ?? []) {
    out.push({ layer: f.layer, kind: f.kind, metric: `non_finite_${f.model.toLowerCase()}`, value: f.nan + f.posInf + f.negInf });
  }
  for (const m of r.embeddings) {
    const key = { kind: m.role, tensor: m.tensorB };
    out.push(
      { ...key, metric: 'rows_compared', value: m.rowsCompared },
      { ...key, metric: 'hidden', value: m.hidden },
      { ...key, metric: 'rel_change', value: m.relChange },
      { ...key, metric: 'cosine', value: m.cosine },
      { ...key, metric: 'changed_rows', value: m.changedRows },
      { ...key, metric: 'mean_row_change', value: m.meanRowChange },
      { ...key, metric: 'max_row_change', value: m.maxRowChange },
    );
  }
  for (const o of r.others) {
    const key = { kind: 'other', tensor: o.name };
    out.push(
      { ...key, metric: 'rel_change', value: o.relChange },
      { ...key, metric: 'cosine', value: o.cosine },
      { ...key, metric: 'max_abs_delta', value: o.maxAbsDelta },
    );
  }
  return out;
}
