/**
 * The training-run timeline: the same metrics of every checkpoint of a run, in training order,
 * each checkpoint streamed as a partial result as soon as it is done. A checkpoint's own values are
 * cached under its file identity, its drift scalars under the identities of it, the previous and the
 * first checkpoint, so a run that gains a checkpoint computes only that one (and the one after a
 * checkpoint that was dropped). A checkpoint that cannot be opened or read keeps its place with the
 * error, and the rest of the run is still measured.
 */
import { basename, resolve } from 'node:path';
import { modelIdentity } from '../../cache/fileIdentity';
import { ResultCache, type CachedRun } from '../../cache/resultCache';
import { throwIfCancelled, yieldToEventLoop, type JobContext, type Progress } from '../../jobs';
import type { Engine } from '../../engine/engine';
import { openModel } from '../../model/openModel';
import { MATRIX_ROLES, type MatrixRole, type ModelHandle } from '../../model/types';
import { checkpointValues, driftValues, type CheckpointValues, type MetricSelection } from './metrics';
import {
  DRIFT_METRICS,
  TIMELINE_METRICS,
  type CheckpointMetrics,
  type ExpertChoiceOfTimeline,
  type TimelineCheckpointRef,
  type TimelineMetric,
  type TimelineResult,
} from './names';

export interface TimelineOptions {
  /** The run's checkpoints in training order (at least one); the first is the reference of drift_first. */
  checkpoints: TimelineCheckpointRef[];
  /** Default: every metric. */
  metrics?: TimelineMetric[];
  /** Default: the seven matrix kinds. */
  kinds?: MatrixRole[];
  /** Default: every layer of the first checkpoint. */
  layers?: number[];
  /**
   * Mixture-of-experts layers: whose gate/up/down are measured (a routed expert, 'shared', or 'all'
   * routed experts together); without it those layers have attention matrices only.
   */
  expert?: ExpertChoiceOfTimeline;
}

export interface TimelineContext extends JobContext, CachedRun {
  engine: Engine;
  onProgress?: (p: Progress) => void;
  onPartial?: (checkpoint: CheckpointMetrics) => void;
  /** Opens a checkpoint (default openModel; the worker passes its cache of open models). */
  open?: (path: string) => Promise<ModelHandle>;
}

/** Bumped whenever a stored entry's shape or meaning changes. */
const FORMAT = 1;
/** Entries are a few values per matrix: small. */
const cache = new ResultCache<CheckpointValues>({ folder: 'timeline', memoryCapacity: 4096, diskCapacity: 8192 });

export function clearTimelineMemoryCache(): void {
  cache.clearMemory();
}

function selectionKey(sel: MetricSelection, metrics: readonly TimelineMetric[]): string {
  return JSON.stringify([sel.layers, sel.kinds, metrics, sel.expert ?? null]);
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function runTimeline(model: ModelHandle, opts: TimelineOptions, ctx: TimelineContext): Promise<TimelineResult> {
  const t0 = performance.now();
  const refs = opts.checkpoints;
  if (!refs?.length) throw new Error('a timeline needs at least one checkpoint');
  const open = ctx.open ?? openModel;
  const metrics = TIMELINE_METRICS.filter((m) => (opts.metrics ?? TIMELINE_METRICS).includes(m));
  const kinds = MATRIX_ROLES.filter((k) => (opts.kinds ?? MATRIX_ROLES).includes(k));
  const count = model.layers.length;
  if (count === 0) throw new Error(`${model.path} has no transformer layers to follow`);
  for (const l of opts.layers ?? [])
    if (!model.layers.some((i) => i.index === l)) throw new Error(`layer ${l} does not exist: the first checkpoint has layers 0–${count - 1}`);
  const layers = [...new Set(opts.layers ?? model.layers.map((l) => l.index))].sort((a, b) => a - b);
  const sel: MetricSelection = { layers, kinds, metrics, ...(opts.expert === undefined ? {} : { expert: opts.expert }) };
  const ownMetrics = metrics.filter((m) => !(DRIFT_METRICS as readonly string[]).includes(m));
  const driftMetrics = metrics.filter((m) => (DRIFT_METRICS as readonly string[]).includes(m));
  const ownKey = selectionKey(sel, ownMetrics);
  const driftKey = selectionKey(sel, driftMetrics);
  const run = { cacheDir: ctx.cacheDir, force: ctx.force };
  const sub = { engine: ctx.engine, signal: ctx.signal, ...run };

  let first: { handle: ModelHandle; identity: string } | undefined;
  let prev: { handle: ModelHandle; identity: string } | undefined;
  const checkpoints: CheckpointMetrics[] = [];
  for (let i = 0; i < refs.length; i++) {
    throwIfCancelled(ctx.signal);
    const ref = refs[i];
    const c0 = performance.now();
    const name = ref.name ?? basename(ref.path);
    ctx.onProgress?.({ done: i, total: refs.length, message: `${name} (${ref.unit ?? 'step'} ${ref.step})` });
    const entry: CheckpointMetrics = {
      index: i,
      path: ref.path,
      name,
      step: ref.step,
      unit: ref.unit ?? 'step',
      values: [],
      notes: [],
      cached: false,
      seconds: 0,
    };
    try {
      const handle = i === 0 && resolve(ref.path) === model.path ? model : await open(ref.path);
      const identity = await modelIdentity(handle);
      const here = { handle, identity };
      first ??= here;
      let hits = 0;
      const own = await cache.cached(`v${FORMAT}#own#${identity}#${ownKey}`, run, () => checkpointValues(handle, { ...sel, metrics: ownMetrics }, sub));
      const before = prev;
      const drift = await cache.cached(`v${FORMAT}#drift#${identity}#${before?.identity ?? '-'}#${first.identity}#${driftKey}`, run, () =>
        driftValues(handle, before?.handle, first!.handle, { ...sel, metrics: driftMetrics }, { signal: ctx.signal }),
      );
      hits += own.from ? 1 : 0;
      hits += drift.from ? 1 : 0;
      entry.values = [...drift.value.values, ...own.value.values];
      entry.notes = [...new Set([...drift.value.notes, ...own.value.notes])];
      entry.cached = hits === 2;
      prev = here;
    } catch (err) {
      // A damaged checkpoint is that checkpoint's error; a cancel or a programming error ends the run.
      if (ctx.signal?.aborted || err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) throw err;
      entry.error = errorText(err);
    }
    entry.seconds = (performance.now() - c0) / 1000;
    checkpoints.push(entry);
    ctx.onPartial?.(entry);
    await yieldToEventLoop();
  }
  ctx.onProgress?.({ done: refs.length, total: refs.length });
  return {
    model: model.path,
    architecture: model.architecture,
    layers,
    kinds,
    metrics,
    ...(opts.expert === undefined ? {} : { expert: opts.expert }),
    checkpoints,
    seconds: (performance.now() - t0) / 1000,
  };
}
