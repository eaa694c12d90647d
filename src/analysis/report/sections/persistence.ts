/** Persistence report figures: Betti numbers and average similarity by layer per homology dimension, and the layer × layer similarity per dimension. */
import type { FigurePlan } from '../figures';

export function persistencePlans(): FigurePlan[] {
  return [
    { type: 'lines', metric: 'betti', x: 'layer', series: ['dim'], caption: 'Betti numbers by layer (one line per homology dimension)' },
    { type: 'lines', metric: 'avg_similarity', x: 'layer', series: ['dim'], caption: 'average persistence similarity by layer' },
    {
      type: 'heatmap',
      metric: 'similarity',
      x: 'layer_b',
      y: 'layer_a',
      facet: ['dim'],
      symmetric: true,
      domain: [0, 1],
      xLabel: 'layer',
      yLabel: 'layer',
      caption: 'persistence similarity of every layer pair',
    },
  ];
}
