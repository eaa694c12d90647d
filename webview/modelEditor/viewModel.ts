/**
 * What the model editor draws. The model part is the ModelOverview the worker builds (shared with
 * `layer-lens inspect`); statistics are adapted from the worker's TensorStats by statsView.ts.
 */
import type { TensorStats } from '../../src/analysis/model/summary';
export type { CountRow, ModelOverview as EditorModel, TensorGroup, TensorRow } from '../../src/analysis/model/overview';

/** The worker's TensorStats with the histogram as bins carrying both edges (statsView.ts). */
export type StatsModel = Pick<TensorStats, 'count' | 'min' | 'max' | 'mean' | 'std' | 'absMean' | 'zeroFraction' | 'nanCount' | 'infCount'> & {
  bins: { x0: number; x1: number; count: number }[];
  seconds?: number;
  /** Quantiles, top |w|, 6σ outliers and the |W| image, when the worker computed them. */
  detail?: TensorStats['detail'];
};
