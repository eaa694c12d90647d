/** The worker's TensorStats in the shape the statistics pane draws (bins with both edges). */
import type { TensorStats } from '../../src/analysis/model/summary';
import type { StatsModel } from './viewModel';

export function statsModel(s: TensorStats): StatsModel {
  const { edges, counts } = s.histogram;
  return {
    count: s.count,
    min: s.min,
    max: s.max,
    mean: s.mean,
    std: s.std,
    absMean: s.absMean,
    zeroFraction: s.zeroFraction,
    nanCount: s.nanCount,
    infCount: s.infCount,
    bins: counts.map((count, i) => ({ x0: edges[i]!, x1: edges[i + 1]!, count })),
    seconds: s.seconds,
    ...(s.detail ? { detail: s.detail } : {}),
  };
}
