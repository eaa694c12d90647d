/**
 * The timeline's command-line flags, their mapping to options, and the table printed without
 * --json/--csv: one line per checkpoint with each metric's mean over the measured matrices (the
 * tidy --csv holds every value).
 */
import type { AnalysisCli, CliValues } from '../analysis';
import { parseKindList, parseLayerList, stringOption, UsageError } from '../common/cliArgs';
import { TIMELINE_METRICS, type CheckpointMetrics, type TimelineMetric, type TimelineResult } from './names';

function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(4);
}

export function parseMetricList(text: string): TimelineMetric[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!TIMELINE_METRICS.includes(n as TimelineMetric)) throw new UsageError(`--metrics: '${n}' is not one of ${TIMELINE_METRICS.join(', ')}`);
  if (names.length === 0) throw new UsageError('--metrics needs at least one metric');
  return names as TimelineMetric[];
}

/** Each metric's mean over the checkpoint's finite values; null when it has none. */
export function metricMeans(c: CheckpointMetrics, metrics: readonly TimelineMetric[]): (number | null)[] {
  return metrics.map((m) => {
    const xs = c.values.filter((v) => v.metric === m && v.value !== null).map((v) => v.value as number);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  });
}

export function formatTimeline(r: TimelineResult): string {
  const head = ['step'.padStart(8), 'checkpoint'.padEnd(22), ...r.metrics.map((m) => m.padStart(17))].join(' ');
  const lines = [
    `${r.checkpoints.length} checkpoints of ${r.architecture}, layers ${r.layers[0]}–${r.layers[r.layers.length - 1]}, kinds ${r.kinds.join(', ')}${r.expert === undefined ? '' : `, expert ${r.expert}`}; means over the matrices (--csv gives every value); ${r.seconds.toFixed(1)} s`,
    '',
    head,
  ];
  for (const c of r.checkpoints) {
    const name = c.name.length > 22 ? `…${c.name.slice(-21)}` : c.name;
    if (c.error) lines.push(`${String(c.step).padStart(8)} ${name.padEnd(22)} not measured: ${c.error}`);
    else lines.push([String(c.step).padStart(8), name.padEnd(22), ...metricMeans(c, r.metrics).map((v) => fmt(v).padStart(17))].join(' '));
  }
  const notes = [...new Set(r.checkpoints.flatMap((c) => c.notes))];
  if (notes.length)
    lines.push('', ...notes.slice(0, 20).map((n) => `note: ${n}`), ...(notes.length > 20 ? [`… and ${notes.length - 20} more notes (--json)`] : []));
  return lines.join('\n');
}

/** The flags shared by every form of the command (the run folder comes from the command line's positional). */
export function timelineFlagsToOptions(values: CliValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const metrics = stringOption(values, 'metrics');
  if (metrics !== undefined) out.metrics = parseMetricList(metrics);
  const kinds = stringOption(values, 'kinds');
  if (kinds !== undefined) out.kinds = parseKindList(kinds, true);
  const layer = stringOption(values, 'layer');
  if (layer !== undefined) out.layers = parseLayerList(layer);
  const expert = stringOption(values, 'expert');
  if (expert !== undefined) {
    if (expert !== 'shared' && expert !== 'all' && !/^\d+$/.test(expert))
      throw new UsageError(`--expert: '${expert}' is not an expert index, 'shared' or 'all'`);
    out.expert = expert === 'shared' || expert === 'all' ? expert : Number(expert);
  }
  return out;
}

export const timelineCli: AnalysisCli<TimelineResult> = {
  usage: '<run-folder> [--metrics drift_first,alpha,…] [--kinds q,k|all] [--layer N|0,2|2-5] [--expert N|shared|all] [--watch] [--json|--csv]',
  options: {
    metrics: { type: 'string', value: 'LIST', help: `metrics to follow (default every one): ${TIMELINE_METRICS.join(', ')}` },
    kinds: { type: 'string', value: 'LIST', help: 'matrix kinds: q,k,v,o,gate,up,down or all (default all)' },
    layer: { type: 'string', value: 'N|0,2|2-5', help: 'layers: one index, a comma list or ranges (default: every layer)' },
    expert: {
      type: 'string',
      value: 'N|shared|all',
      help: 'mixture-of-experts layers: follow this expert’s gate/up/down, or all routed experts together (default: none)',
    },
  },
  toOptions: (values) => [timelineFlagsToOptions(values)],
  format: (results) => results.map(formatTimeline).join('\n\n'),
};
