/** CSV export of a persistence result: one row per cloud (Betti numbers, S̄_p, baselines, suggested). */
import type { PersistenceResult } from './persistence';

function cell(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '' : String(v);
}

export function persistenceCsv(r: PersistenceResult): string {
  const dims = r.homologyDims;
  const header = [
    'cloud', 'name', ...dims.map((p) => `betti_${p}`), ...dims.map((p) => `avg_similarity_${p}`), 'block_influence',
    ...r.angular.map((a) => `angular_n${a.n}`), ...r.suggestions.map((s) => `suggested_p${s.p}`),
  ];
  const rows = [header.join(',')];
  r.cloudNames.forEach((name, l) => {
    rows.push([
      l, JSON.stringify(name), ...dims.map((p) => cell(r.betti[p][l])), ...dims.map((p) => cell(r.averageSimilarity[p][l])), cell(r.blockInfluence[l]),
      ...r.angular.map((a) => cell(a.values[l])), ...r.suggestions.map((s) => (s.layers.includes(l) ? '1' : '0')),
    ].join(','));
  });
  return rows.join('\n') + '\n';
}
