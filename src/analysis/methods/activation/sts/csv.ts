/**
 * The semantic-similarity result as CSV: the tidy rows of the CLI's `--csv` (key columns layer and
 * pair: ρ, p and n per layer; the human score per pair; the similarity per layer and pair) and the
 * panel's wide table (one row per layer).
 */
import { csvLine, type TidyRow } from '../../common/csv';
import type { StsResult } from './sts';

export const STS_TIDY_COLUMNS = ['layer', 'pair', 'metric', 'value'] as const;

export function stsTidyRows(r: StsResult): TidyRow[] {
  const rows: TidyRow[] = [];
  for (const c of r.layers) {
    rows.push(
      { layer: c.layer, metric: 'spearman_rho', value: c.rho },
      { layer: c.layer, metric: 'p_value', value: c.p },
      { layer: c.layer, metric: 'n', value: c.n },
    );
  }
  r.pairs.forEach((p, i) => {
    rows.push({ pair: i + 1, metric: 'human_score', value: p.score });
    p.similarity.forEach((s, layer) => rows.push({ layer, pair: i + 1, metric: 'similarity', value: s }));
  });
  return rows;
}

/** One row per layer: ρ, p, n. */
export function stsLayerCsv(r: StsResult): string {
  return `${[csvLine(['layer', 'spearman_rho', 'p_value', 'n']), ...r.layers.map((c) => csvLine([c.layer, c.rho, c.p, c.n]))].join('\n')}\n`;
}
