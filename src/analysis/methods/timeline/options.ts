/**
 * The one validator of timeline options, for the worker request, the panel's re-run and the CLI:
 * only well-formed values pass, anything else is an Error a user can read.
 */
import { isObject, optionReader } from '../common/options';
import { TIMELINE_METRICS, type ExpertChoiceOfTimeline, type TimelineCheckpointRef, type TimelineMetric } from './names';
import type { TimelineOptions } from './timeline';

const read = optionReader('timeline');

function parseCheckpoint(raw: unknown, i: number): TimelineCheckpointRef {
  if (!isObject(raw) || typeof raw.path !== 'string' || raw.path.length === 0 || raw.path.includes('\0'))
    read.fail(`checkpoints[${i}]`, 'an object with a file or folder path');
  const c = raw as Record<string, unknown>;
  if (typeof c.step !== 'number' || !Number.isFinite(c.step) || c.step < 0) read.fail(`checkpoints[${i}].step`, 'a non-negative number');
  if (c.unit !== undefined && c.unit !== 'step' && c.unit !== 'epoch') read.fail(`checkpoints[${i}].unit`, "'step' or 'epoch'");
  if (c.name !== undefined && typeof c.name !== 'string') read.fail(`checkpoints[${i}].name`, 'a string');
  const out: TimelineCheckpointRef = { path: c.path as string, step: c.step as number };
  if (c.unit !== undefined) out.unit = c.unit as 'step' | 'epoch';
  if (c.name !== undefined) out.name = c.name as string;
  return out;
}

export function parseTimelineOptions(raw: unknown): TimelineOptions {
  if (!isObject(raw)) throw new Error('timeline options must be an object with the checkpoints of the run');
  const list = raw.checkpoints;
  if (!Array.isArray(list) || list.length === 0) read.fail('checkpoints', 'a non-empty list of checkpoints ({ path, step })');
  const checkpoints = (list as unknown[]).map(parseCheckpoint);
  if (new Set(checkpoints.map((c) => c.path)).size !== checkpoints.length) read.fail('checkpoints', 'a list without repeated paths');
  const out: TimelineOptions = { checkpoints };
  if (read.present(raw, 'metrics')) {
    const m = raw.metrics;
    if (!Array.isArray(m) || m.length === 0 || !m.every((x) => TIMELINE_METRICS.includes(x as TimelineMetric)))
      read.fail('metrics', `a non-empty list of ${TIMELINE_METRICS.join(', ')}`);
    out.metrics = [...new Set(m as TimelineMetric[])];
  }
  const kinds = read.kinds(raw, 'kinds');
  if (kinds) out.kinds = [...new Set(kinds)];
  const layers = read.layers(raw, 'layers');
  if (layers) out.layers = layers;
  if (read.present(raw, 'expert')) {
    const e = raw.expert;
    if (e !== 'shared' && e !== 'all' && !(typeof e === 'number' && Number.isInteger(e) && e >= 0 && e < 1e6))
      read.fail('expert', "a routed expert index, 'shared' or 'all'");
    out.expert = e as ExpertChoiceOfTimeline;
  }
  return out;
}
