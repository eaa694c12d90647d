/** Correlations report figures: M1 and M5 per layer and query head (heatmaps, diverging about 0), M7 and M8 by depth. */
import type { TidyRow } from '../../methods/common/csv';
import type { FigurePlan } from '../figures';

export function correlationsPlans(rows: readonly TidyRow[]): FigurePlan[] {
  const heads: FigurePlan[] = ['M1', 'M2', 'M3', 'M4', 'M5'].map((metric) => ({
    type: 'heatmap',
    metric,
    x: 'head',
    y: 'layer',
    diverging: true,
    caption: `${metric} per layer and query head`,
  }));
  const perLayer = [...new Set(rows.map((r) => r.metric))].filter((m) => m.startsWith('M7_') || m.startsWith('M8_'));
  return [
    ...heads,
    ...perLayer.map((metric): FigurePlan => ({ type: 'lines', metric, x: 'layer', series: [], where: { head: '' }, caption: `${metric} by layer` })),
  ];
}
