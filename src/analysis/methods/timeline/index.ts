/**
 * Training-run timeline: drift, spectral, similarity and correlation metrics of every checkpoint of
 * a run, layer by layer, in training order.
 */
import type { Analysis } from '../analysis';
import { timelineCli } from './cli';
import { TIMELINE_TIDY_COLUMNS, timelineCsv, timelineTidyRows } from './csv';
import type { CheckpointMetrics, TimelineResult } from './names';
import { parseTimelineOptions } from './options';
import { runTimeline, type TimelineOptions } from './timeline';

export const timeline = {
  id: 'timeline',
  summary: 'Training-run timeline: drift, spectra, layer similarity and correlations of every checkpoint of a run, layer by layer',
  parseOptions: parseTimelineOptions,
  run: runTimeline,
  toCsv: timelineCsv,
  tidy: { columns: TIMELINE_TIDY_COLUMNS, rows: timelineTidyRows },
  cli: timelineCli,
} as const satisfies Analysis<'timeline', TimelineOptions, TimelineResult, CheckpointMetrics>;
