/**
 * CSV of a correlations result. Wide (`correlationsCsv`, the panel's "Export CSV"): one row per
 * layer and query head with M1–M5, then one row per layer with M7 and M8, then the M6 regression.
 * Not-applicable or undefined values are empty cells; values that need a matrix holding NaN/Inf are
 * empty too, and `not_computable` says why. Tidy (`correlationsTidyRows`, `layer-lens correlations
 * --csv`): `layer,head,metric,value`, the same numbers one per row (csv.ts).
 */
import type { CorrelationsResult } from './correlations';
import { HEAD_MEASURES, M7_MEASURES, M8_MEASURES } from './names';
import { csvCell as cell, type TidyRow } from '../common/csv';
import { notComputableReason, type WeightFlag } from '../common/nonFinite';

export const CORRELATIONS_CSV_COLUMNS = [
  'scope',
  'layer',
  'head',
  'kv_head',
  'M1',
  'M2',
  'M3',
  'M4',
  'M5',
  ...M7_MEASURES.map((m) => `M7_${m}`),
  ...M8_MEASURES.map((m) => `M8_${m}`),
  'M6_slope',
  'M6_intercept',
  'M6_r',
  'M6_n',
  'not_computable',
] as const;

const reason = (flags: readonly WeightFlag[] | undefined) => (flags?.length ? notComputableReason(flags) : undefined);

export function correlationsCsv(r: CorrelationsResult): string {
  const row = (values: Record<string, unknown>) => CORRELATIONS_CSV_COLUMNS.map((c) => cell(values[c])).join(',');
  const lines = [CORRELATIONS_CSV_COLUMNS.join(',')];
  for (const e of r.entries) {
    for (const h of e.heads)
      lines.push(
        row({
          scope: 'head',
          layer: e.layer,
          head: h.head,
          kv_head: h.kvHead,
          M1: h.M1,
          M2: h.M2,
          M3: h.M3,
          M4: h.M4,
          M5: h.M5,
          not_computable: reason(h.nonFinite),
        }),
      );
  }
  for (const e of r.entries) {
    const mlpFlags = e.nonFinite?.filter((f) => f.role === 'gate' || f.role === 'up' || f.role === 'down');
    const values: Record<string, unknown> = { scope: 'layer', layer: e.layer, not_computable: reason(mlpFlags) };
    for (const m of M7_MEASURES) values[`M7_${m}`] = e.m7[m];
    for (const m of M8_MEASURES) values[`M8_${m}`] = e.m8[m];
    lines.push(row(values));
  }
  if (r.m6) lines.push(row({ scope: 'all heads', M6_slope: r.m6.slope, M6_intercept: r.m6.intercept, M6_r: r.m6.r, M6_n: r.m6.n }));
  return `${lines.join('\n')}\n`;
}

export const CORRELATIONS_TIDY_COLUMNS = ['layer', 'head', 'metric', 'value'] as const;

/**
 * Tidy rows: M1–M5 per layer and query head; M7_<measure> and M8_<measure> per layer (head empty);
 * M6_slope, M6_intercept, M6_r, M6_n over all heads (layer and head empty) when M6 exists. Measures
 * that do not apply or need a matrix holding NaN/Inf keep their rows with empty values.
 */
export function correlationsTidyRows(r: CorrelationsResult): TidyRow[] {
  const out: TidyRow[] = [];
  for (const e of r.entries) {
    for (const h of e.heads) for (const m of HEAD_MEASURES) out.push({ layer: e.layer, head: h.head, metric: m, value: h[m] });
    for (const m of M7_MEASURES) out.push({ layer: e.layer, metric: `M7_${m}`, value: e.m7[m] });
    for (const m of M8_MEASURES) out.push({ layer: e.layer, metric: `M8_${m}`, value: e.m8[m] });
  }
  if (r.m6) for (const k of ['slope', 'intercept', 'r', 'n'] as const) out.push({ metric: `M6_${k}`, value: r.m6[k] });
  return out;
}
