/**
 * The line plot under the heatmap: the index between each layer and the next (in the list's
 * order), with the cluster threshold τ, DOCS's chance level for unrelated matrices of this shape,
 * and the clusters shaded.
 */
import * as Plot from '@observablehq/plot';
import type { ClusterResult } from '../../src/analysis/methods/similarity/clusters';
import { INDEX_LABELS, type SimilarityIndex } from '../../src/analysis/methods/similarity/names';
import { renderPlot } from '../common/plot';
import type { Theme } from '../common/theme';
import { adjacentSeries, type SimilarityView } from './viewModel';

export function drawAdjacent(
  container: HTMLElement,
  view: SimilarityView,
  index: SimilarityIndex,
  clusters: ClusterResult,
  theme: Theme,
  chance?: number,
): void {
  const series = adjacentSeries(view, index);
  if (series.length === 0) {
    container.textContent = view.plan.layers.length > 1 ? 'Adjacent pairs are computed first; none finished yet.' : '';
    return;
  }
  const labels = new Map(series.map((p) => [p.position, p.label]));
  const positions = Array.from({ length: view.plan.layers.length - 1 }, (_, i) => i);
  renderPlot(
    container,
    {
      width: Math.max(420, Math.min(900, 80 + positions.length * 48)),
      height: 220,
      marginLeft: 56,
      marginBottom: 48,
      x: {
        domain: [-0.5, positions.length - 0.5],
        ticks: positions,
        tickFormat: (p: number) => labels.get(p) ?? '',
        tickRotate: positions.length > 10 ? -45 : 0,
        label: 'adjacent layers',
      },
      y: { label: INDEX_LABELS[index], grid: true },
      marks: [
        // A cluster [first, last] contains the adjacent pairs first … last − 1.
        Plot.rect(clusters.clusters, {
          x1: (c: { first: number }) => c.first - 0.45,
          x2: (c: { last: number }) => c.last - 1 + 0.45,
          fill: theme.accent,
          fillOpacity: 0.12,
        }),
        Number.isFinite(clusters.threshold) ? Plot.ruleY([clusters.threshold], { stroke: theme.muted, strokeDasharray: '6 3' }) : null,
        Number.isFinite(clusters.threshold)
          ? Plot.text([clusters.threshold], {
              y: (t: number) => t,
              frameAnchor: 'right',
              dy: -6,
              text: () => 'cluster threshold τ',
              fill: theme.muted,
              fontSize: 10,
            })
          : null,
        chance !== undefined && index === 'docs' ? Plot.ruleY([chance], { stroke: theme.categorical[3], strokeDasharray: '2 3' }) : null,
        chance !== undefined && index === 'docs'
          ? Plot.text([chance], {
              y: (t: number) => t,
              frameAnchor: 'left',
              dy: -6,
              text: () => 'unrelated matrices',
              fill: theme.categorical[3],
              fontSize: 10,
            })
          : null,
        Plot.line(series, { x: 'position', y: 'value', stroke: theme.accent, strokeWidth: 2 }),
        Plot.dot(series, { x: 'position', y: 'value', fill: theme.accent, r: 3.5, tip: true, channels: { pair: 'label' } }),
      ],
    },
    theme,
    { caption: 'Similarity of each pair of adjacent layers (y) along the depth (x), with clusters shaded.' },
  );
}
