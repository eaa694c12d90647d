/**
 * The timeline's metrics and result types, free of engine imports so the extension host and the
 * panel can use them.
 */
import type { ExpertSelector, MatrixRole } from '../../model/types';
import type { StepUnit } from './discover';

/** Change of each matrix along the run (Frobenius norms over the whole matrix). */
export const DRIFT_METRICS = ['drift_prev', 'drift_first', 'cos_first'] as const;
/** The weight-spectra analysis's values of each matrix (WeightWatcher's definitions). */
export const SPECTRAL_METRICS = ['alpha', 'log_spectral_norm', 'stable_rank', 'ks_mean_p'] as const;
/** DOCS of each layer's matrix with the next layer's (layer-similarity analysis, adjacent pairs). */
export const SIMILARITY_METRICS = ['docs_adjacent'] as const;
/** Per layer, the mean over query heads of the weight-correlation measures M1 and M5 (no matrix kind). */
export const CORRELATION_METRICS = ['m1_mean', 'm5_mean'] as const;

export const TIMELINE_METRICS = [...DRIFT_METRICS, ...SPECTRAL_METRICS, ...SIMILARITY_METRICS, ...CORRELATION_METRICS] as const;
export type TimelineMetric = (typeof TIMELINE_METRICS)[number];

/** Metrics measured per layer rather than per layer and matrix kind. */
export const LAYER_METRICS: readonly TimelineMetric[] = CORRELATION_METRICS;

export const METRIC_LABELS: Record<TimelineMetric, string> = {
  drift_prev: '‖Wₜ − Wₜ₋₁‖/‖Wₜ₋₁‖',
  drift_first: '‖Wₜ − W₀‖/‖W₀‖',
  cos_first: 'cos(Wₜ, W₀)',
  alpha: 'power-law α',
  log_spectral_norm: 'log₁₀ λmax',
  stable_rank: 'stable rank',
  ks_mean_p: 'mean KS p of singular vectors',
  docs_adjacent: 'DOCS with the next layer',
  m1_mean: 'mean M1 cc(Wq, Wk)',
  m5_mean: 'mean M5 cc(Woᵀ, Wv)',
};

/**
 * Whose gate/up/down the mixture-of-experts layers contribute: one routed expert, the shared one,
 * or 'all' routed experts together (drift over their stacked matrices, the spectral metrics
 * averaged over them).
 */
export type ExpertChoiceOfTimeline = ExpertSelector | 'all';

/** One checkpoint of the series, as the run request names it. */
export interface TimelineCheckpointRef {
  path: string;
  step: number;
  unit?: StepUnit;
  /** Shown in tables and the panel (default: the folder or file name). */
  name?: string;
}

/** One value: a checkpoint's layer (and matrix kind) under one metric; null where not computable. */
export interface TimelineValue {
  layer: number;
  /** Null for the per-layer metrics (m1_mean, m5_mean). */
  kind: MatrixRole | null;
  /** Set on an expert's gate/up/down: the expert, or 'all' for the routed experts together. */
  expert?: ExpertChoiceOfTimeline;
  metric: TimelineMetric;
  value: number | null;
}

/** Every value of one checkpoint: also the run's partial result, sent as each checkpoint finishes. */
export interface CheckpointMetrics {
  /** Position in the series. */
  index: number;
  path: string;
  name: string;
  step: number;
  unit: StepUnit;
  values: TimelineValue[];
  /** Why the checkpoint has no values (it could not be opened or read), when it has none. */
  error?: string;
  /** Why some values are null, or what was left out. */
  notes: string[];
  /** Whether its values came from the cache (its own and its drift scalars). */
  cached: boolean;
  seconds: number;
}

export interface TimelineResult {
  /** The first checkpoint: the reference of drift_first and cos_first. */
  model: string;
  architecture: string;
  layers: number[];
  kinds: MatrixRole[];
  metrics: TimelineMetric[];
  expert?: ExpertChoiceOfTimeline;
  checkpoints: CheckpointMetrics[];
  seconds: number;
}
