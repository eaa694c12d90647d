/**
 * What the model editor draws. The model part is the ModelOverview the worker builds (shared with
 * `layer-lens inspect`); statistics are adapted from the worker's TensorStats by statsView.ts.
 */
export type { CountRow, ModelOverview as EditorModel, TensorGroup, TensorRow } from '../../src/analysis/modelOverview';

export interface StatsModel {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  absMean: number | null;
  /** Fraction of exact zeros, 0..1. */
  zeroFraction: number;
  nanCount: number;
  infCount: number;
  bins: { x0: number; x1: number; count: number }[];
  seconds?: number;
}
