/**
 * CSV of a layer-similarity result. Wide (`similarityCsv`, the panel's "Export CSV"): one row per
 * computed pair with every index, the DOCS Gumbel fits of both sides, and whether the pair was
 * comparable (not-comparable pairs carry the reason). Tidy (`similarityTidyRows`, `layer-lens
 * similarity --csv`): `kind,layer_a,layer_b,metric,value`, the same numbers one per row (csv.ts).
 */
import { csvCell as cell, type TidyRow } from '../common/csv';
import type { LayerSimilarityResult } from './layerSimilarity';

export function similarityCsv(r: LayerSimilarityResult): string {
  const header = [
    'kind',
    'orientation',
    'layer_a',
    'layer_b',
    'comparable',
    ...r.indices,
    'docs_u_rows',
    'docs_beta_rows',
    'docs_u_cols',
    'docs_beta_cols',
    'reason',
  ];
  const lines = [header.join(',')];
  const sorted = [...r.pairs].sort((x, y) => x.a - y.a || x.b - y.b);
  for (const p of sorted) {
    lines.push(
      [
        r.kind,
        r.compared,
        p.layerA,
        p.layerB,
        p.comparable,
        ...r.indices.map((i) => p.values[i]),
        p.docs?.rows.loc,
        p.docs?.rows.scale,
        p.docs?.cols.loc,
        p.docs?.cols.scale,
        p.reason,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export const SIMILARITY_TIDY_COLUMNS = ['kind', 'layer_a', 'layer_b', 'metric', 'value'] as const;

/**
 * Tidy rows, pairs in (layer_a, layer_b) order: `comparable` (1/0), each computed index by its id
 * (docs, pearson, cka, …; empty when not comparable or not computable), and with DOCS the Gumbel
 * fit of both sides (docs_u_rows, docs_beta_rows, docs_u_cols, docs_beta_cols).
 */
export function similarityTidyRows(r: LayerSimilarityResult): TidyRow[] {
  const out: TidyRow[] = [];
  const withDocs = r.indices.includes('docs');
  for (const p of [...r.pairs].sort((x, y) => x.a - y.a || x.b - y.b)) {
    const key = { kind: r.kind, layer_a: p.layerA, layer_b: p.layerB };
    out.push({ ...key, metric: 'comparable', value: p.comparable });
    for (const i of r.indices) out.push({ ...key, metric: i, value: p.values[i] });
    if (!withDocs) continue;
    out.push(
      { ...key, metric: 'docs_u_rows', value: p.docs?.rows.loc },
      { ...key, metric: 'docs_beta_rows', value: p.docs?.rows.scale },
      { ...key, metric: 'docs_u_cols', value: p.docs?.cols.loc },
      { ...key, metric: 'docs_beta_cols', value: p.docs?.cols.scale },
    );
  }
  return out;
}
