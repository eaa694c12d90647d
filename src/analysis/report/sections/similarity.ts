/** Similarity report figures: one layer × layer heatmap per index and matrix kind, as the panel's main view. */
import type { TidyRow } from '../../methods/common/csv';
import type { FigurePlan } from '../figures';

/** Per-pair values that are not an index: the comparability flag and DOCS's Gumbel fits. */
const NOT_INDICES = new Set(['comparable', 'docs_u_rows', 'docs_beta_rows', 'docs_u_cols', 'docs_beta_cols']);
/** Indices bounded by [0, 1] share one colour scale across reports; the others use their own range. */
const UNIT_INDICES = new Set(['docs', 'r2', 'linreg', 'cka', 'cca', 'svcca', 'pwcca']);
/** Signed indices: a diverging scale centred on 0. */
const SIGNED_INDICES = new Set(['pearson', 'cosine']);

export function similarityPlans(rows: readonly TidyRow[]): FigurePlan[] {
  const indices = [...new Set(rows.map((r) => r.metric))].filter((m) => !NOT_INDICES.has(m));
  return indices.map((metric) => ({
    type: 'heatmap',
    metric,
    x: 'layer_b',
    y: 'layer_a',
    facet: ['kind'],
    symmetric: true,
    domain: UNIT_INDICES.has(metric) ? [0, 1] : undefined,
    diverging: SIGNED_INDICES.has(metric),
    xLabel: 'layer',
    yLabel: 'layer',
    caption: `${metric} of every compared layer pair`,
  }));
}
