/** Expert-similarity report figures: expert × expert heatmaps per layer, matrix kind and index. */
import type { TidyRow } from '../../methods/common/csv';
import type { FigurePlan } from '../figures';

export function expertsPlans(rows: readonly TidyRow[]): FigurePlan[] {
  const indices = [...new Set(rows.map((r) => r.metric))].filter((m) => m !== 'comparable');
  return indices.map((metric) => ({
    type: 'heatmap',
    metric,
    x: 'expert_b',
    y: 'expert_a',
    facet: ['layer', 'kind'],
    symmetric: true,
    xLabel: 'expert',
    yLabel: 'expert',
    caption: `${metric} of every expert pair`,
  }));
}
