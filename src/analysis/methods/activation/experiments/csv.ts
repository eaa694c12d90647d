/**
 * The pruning experiment as tidy CSV rows: per arm (unpruned, uniform, derived) its perplexity and
 * total sparsity, per layer the density and each arm's ratio and sparsity; with the domain
 * experiment, per calibration × evaluation domain the perplexity and per calibration domain and
 * layer the density and ratio.
 */
import type { TidyRow } from '../../common/csv';
import type { PruneExperimentResult } from './pruneExperiment';

export const PRUNE_EXPERIMENT_TIDY_COLUMNS = ['arm', 'calibration', 'evaluation', 'layer', 'metric', 'value'] as const;

export function pruneExperimentTidyRows(r: PruneExperimentResult): TidyRow[] {
  const rows: TidyRow[] = [{ arm: 'unpruned', metric: 'perplexity', value: r.unpruned }];
  for (const [arm, a] of [
    ['uniform', r.uniform],
    ['derived', r.derived],
  ] as const) {
    rows.push({ arm, metric: 'perplexity', value: a.perplexity }, { arm, metric: 'sparsity', value: a.totalSparsity });
  }
  for (let layer = 0; layer < r.numLayers; layer++) {
    rows.push({ layer, metric: 'density', value: r.density[layer] });
    for (const [arm, a] of [
      ['uniform', r.uniform],
      ['derived', r.derived],
    ] as const) {
      rows.push({ arm, layer, metric: 'prune_ratio', value: a.ratios[layer] }, { arm, layer, metric: 'sparsity', value: a.layerSparsity[layer] });
    }
  }
  const d = r.domains;
  if (d) {
    d.names.forEach((e, j) => rows.push({ arm: 'unpruned', evaluation: e, metric: 'perplexity', value: d.unpruned[j] }));
    d.names.forEach((c, i) => {
      d.names.forEach((e, j) => rows.push({ arm: 'derived', calibration: c, evaluation: e, metric: 'perplexity', value: d.perplexity[i][j] }));
      for (let layer = 0; layer < r.numLayers; layer++) {
        rows.push(
          { calibration: c, layer, metric: 'density', value: d.density[i][layer] },
          { arm: 'derived', calibration: c, layer, metric: 'prune_ratio', value: d.ratios[i][layer] },
        );
      }
    });
  }
  return rows;
}
