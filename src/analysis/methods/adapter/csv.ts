/**
 * CSV of a LoRA adapter analysis. Wide (`adapterCsv`, the panel's "Export CSV"): one row per module
 * with every metric and its singular values (space-separated). Tidy (`adapterTidyRows`,
 * `layer-lens adapter --csv`): `module,layer,kind,metric,value`, one value per row, the singular
 * values as `sv1`, `sv2`, ….
 */
import { csvCell as cell, type TidyRow } from '../common/csv';
import type { AdapterModule, AdapterResult } from './adapter';

/** The per-module metrics, in column order, with the names the CSVs use. */
export const ADAPTER_METRICS = [
  ['rank', 'rank'],
  ['alpha', 'alpha'],
  ['scaling', 'scaling'],
  ['fro', 'fro_norm'],
  ['spectral', 'spectral_norm'],
  ['stableRank', 'stable_rank'],
  ['relativeFro', 'relative_fro'],
  ['cosine', 'cosine'],
  ['docs', 'docs'],
] as const satisfies readonly (readonly [keyof AdapterModule, string])[];

export function adapterCsv(r: AdapterResult): string {
  const header = ['module', 'layer', 'kind', 'out', 'in', ...ADAPTER_METRICS.map(([, n]) => n), 'singular_values', 'reason'];
  const lines = [header.join(',')];
  for (const m of r.modules) {
    lines.push(
      [m.module, m.layer, m.kind, m.shape[0], m.shape[1], ...ADAPTER_METRICS.map(([k]) => m[k]), m.singularValues.join(' '), m.reason].map(cell).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export const ADAPTER_TIDY_COLUMNS = ['module', 'layer', 'kind', 'metric', 'value'] as const;

export function adapterTidyRows(r: AdapterResult): TidyRow[] {
  const out: TidyRow[] = [];
  for (const m of r.modules) {
    const key = { module: m.module, layer: m.layer, kind: m.kind };
    for (const [k, name] of ADAPTER_METRICS) if (m[k] !== undefined) out.push({ ...key, metric: name, value: m[k] as number | null });
    m.singularValues.forEach((v, i) => out.push({ ...key, metric: `sv${i + 1}`, value: v }));
  }
  return out;
}
