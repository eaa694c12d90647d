/** CSV export of an activation result: one row per layer (fractions, pruning, sparsity, similarity medians). */
import type { ActivationResult } from './activation';

function cell(v: number | undefined | null): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '' : String(v);
}

export function activationCsv(r: ActivationResult): string {
  const header = [
    'layer', 'activated_fraction', ...r.roles.map((x) => `activated_${x}`), 'mean_abs_activation', 'prune_ratio',
    'mlp_sparsity', 'similarity_same_median', 'similarity_cross_median', 'tau',
  ];
  const rows = [header.join(',')];
  for (let l = 0; l < r.numLayers; l++) {
    rows.push([
      l, cell(r.layerFraction[l]), ...r.roles.map((_, i) => cell(r.roleFraction[l]?.[i])), cell(r.meanAbsActivation[l]), cell(r.pruneRatios[l]),
      cell(r.forwardSparsity[l]), cell(r.similarityByDepth.same[l]?.median), cell(r.similarityByDepth.cross[l]?.median), cell(r.tau),
    ].join(','));
  }
  return rows.join('\n') + '\n';
}
