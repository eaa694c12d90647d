/**
 * CSV of a layer-similarity result: one row per computed pair with every index, the DOCS Gumbel
 * fits of both sides, and whether the pair was comparable (not-comparable pairs carry the reason).
 */
import type { LayerSimilarityResult } from './layerSimilarity';

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function similarityCsv(r: LayerSimilarityResult): string {
  const header = ['kind', 'orientation', 'layer_a', 'layer_b', 'comparable', ...r.indices, 'docs_u_rows', 'docs_beta_rows', 'docs_u_cols', 'docs_beta_cols', 'reason'];
  const lines = [header.join(',')];
  const sorted = [...r.pairs].sort((x, y) => x.a - y.a || x.b - y.b);
  for (const p of sorted) {
    lines.push([
      r.kind, r.compared, p.layerA, p.layerB, p.comparable,
      ...r.indices.map((i) => p.values[i]),
      p.docs?.rows.loc, p.docs?.rows.scale, p.docs?.cols.loc, p.docs?.cols.scale,
      p.reason,
    ].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
