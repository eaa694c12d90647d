/**
 * `layer-lens timeline <run-folder> [flags] [--watch] [--json|--csv]`: the timeline analysis
 * (index.ts) over the checkpoints found in a run folder (discover.ts). Checkpoints still being
 * written are left out (completeness.ts). With --watch the command keeps running: every few seconds
 * it looks at the folder again, and each checkpoint that has completely landed is measured (only
 * it: the others come from the cache) and its rows are printed; a deleted checkpoint is reported.
 */
import { tidyCsv } from '../common/csv';
import { csvOption, JSON_OPTION } from '../../cli/help';
import { toJson, UsageError, type CliCommand, type CliContext } from '../../cli/types';
import { CancelledError } from '../../jobs';
import { CompletenessTracker, DEFAULT_STABLE_MS, snapshotCheckpoint } from './completeness';
import { discoverCheckpoints, type CheckpointInfo } from './discover';
import { timeline } from './index';
import type { CheckpointMetrics, TimelineCheckpointRef, TimelineResult } from './names';
import type { TimelineOptions } from './timeline';
import { formatTimeline, metricMeans } from './cli';
import { HTML_OPTION, reportTarget, writeCliReport } from '../../report/writeReport';

const WATCH_POLL_MS = 2000;

function toRef(c: CheckpointInfo): TimelineCheckpointRef {
  return { path: c.path, step: c.step, unit: c.unit, name: c.name };
}

function parse(raw: Record<string, unknown>, checkpoints: TimelineCheckpointRef[]): TimelineOptions {
  try {
    return timeline.parseOptions({ ...raw, checkpoints });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The complete checkpoints of the run now (one look: no quiet time), and notes on the others. */
async function completeNow(dir: string, ctx: Pick<CliContext, 'err'>): Promise<CheckpointInfo[]> {
  const found = await discoverCheckpoints(dir);
  for (const s of found.skipped) ctx.err(`skipped ${s.name}: ${s.reason}`);
  const expectTrainerState = found.checkpoints.some((c) => c.hasTrainerState);
  const out: CheckpointInfo[] = [];
  for (const c of found.checkpoints) {
    const snap = await snapshotCheckpoint(c.path, { expectTrainerState });
    if (snap.ready) out.push(c);
    else ctx.err(`skipped ${c.name}: still being written (${snap.reason})`);
  }
  return out;
}

async function measure(checkpoints: CheckpointInfo[], raw: Record<string, unknown>, ctx: CliContext): Promise<TimelineResult> {
  const options = parse(raw, checkpoints.map(toRef));
  const first = await ctx.model(checkpoints[0].path);
  return timeline.run(first, options, { engine: await ctx.engine(), signal: ctx.signal, onProgress: ctx.onProgress, open: (p) => ctx.model(p) });
}

function checkpointLine(r: TimelineResult, c: CheckpointMetrics): string {
  if (c.error) return `${c.unit} ${c.step} ${c.name}: not measured: ${c.error}`;
  const means = metricMeans(c, r.metrics);
  return `${c.unit} ${c.step} ${c.name}: ${r.metrics.map((m, i) => `${m} ${means[i] === null ? '–' : means[i]!.toPrecision(4)}`).join(', ')}`;
}

export interface WatchOptions {
  pollMs?: number;
  stableMs?: number;
  /** Time source (tests). */
  now?: () => number;
  /** Stops after this many looks at the folder (tests); default: until cancelled. */
  rounds?: number;
  /** Called before each look (tests). */
  beforeLook?: (round: number) => Promise<void>;
}

/** --watch: measure each checkpoint once it is complete, print its rows, until cancelled. */
export async function watchRun(
  dir: string,
  raw: Record<string, unknown>,
  values: Record<string, unknown>,
  ctx: CliContext,
  w: WatchOptions = {},
): Promise<void> {
  const tracker = new CompletenessTracker(w.stableMs ?? DEFAULT_STABLE_MS);
  const now = w.now ?? Date.now;
  const added = new Map<string, CheckpointInfo>();
  let printedHeader = false;
  for (let round = 0; w.rounds === undefined || round < w.rounds; round++) {
    if (ctx.signal.aborted) throw new CancelledError();
    await w.beforeLook?.(round);
    const found = await discoverCheckpoints(dir);
    const expectTrainerState = found.checkpoints.some((c) => c.hasTrainerState);
    const present = new Set(found.checkpoints.map((c) => c.path));
    for (const [path, c] of [...added]) {
      if (!present.has(path)) {
        added.delete(path);
        tracker.forget(path);
        ctx.err(`${c.name} was removed`);
      }
    }
    const fresh: CheckpointInfo[] = [];
    for (const c of found.checkpoints) {
      const snap = await snapshotCheckpoint(c.path, { expectTrainerState });
      const state = tracker.observe(snap, now());
      if (state === 'complete' && !added.has(c.path)) fresh.push(c);
      // A complete checkpoint that is being rewritten is measured again once it settles.
      if (state === 'pending' && added.has(c.path) && !snap.ready) added.delete(c.path);
    }
    if (fresh.length) {
      for (const c of fresh) added.set(c.path, c);
      const series = found.checkpoints.filter((c) => added.has(c.path));
      const result = await measure(series, raw, ctx);
      const paths = new Set(fresh.map((c) => c.path));
      const rows = { ...result, checkpoints: result.checkpoints.filter((c) => paths.has(c.path)) };
      if (values.csv) {
        const text = tidyCsv(timeline.tidy.columns, timeline.tidy.rows(rows));
        ctx.out(printedHeader ? text.slice(text.indexOf('\n') + 1) : text);
        printedHeader = true;
      } else if (values.json) for (const c of rows.checkpoints) ctx.out(JSON.stringify(c));
      else for (const c of rows.checkpoints) ctx.out(checkpointLine(result, c));
    }
    if (w.rounds !== undefined && round + 1 >= w.rounds) break;
    await new Promise<void>((resolveWait) => {
      const t = setTimeout(resolveWait, w.pollMs ?? WATCH_POLL_MS);
      ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolveWait()), { once: true });
    });
  }
}

export const timelineCommand: CliCommand = {
  name: timeline.id,
  summary: timeline.summary,
  usage: timeline.cli.usage,
  options: {
    ...timeline.cli.options,
    watch: { type: 'boolean', help: 'keep running: measure each new checkpoint once it is completely written and print its rows (Ctrl-C stops)' },
    json: JSON_OPTION,
    csv: csvOption(timeline.tidy.columns),
    html: HTML_OPTION,
  },
  async run({ positionals, values }, ctx) {
    if (positionals.length !== 1) throw new UsageError('give exactly one run folder (a folder of checkpoints)');
    const raw = timeline.cli.toOptions(values)[0] as Record<string, unknown>;
    if (values.watch && values.html !== undefined) throw new UsageError('--html writes the report of one run; it does not combine with --watch');
    const html = await reportTarget(values);
    if (values.watch) return watchRun(positionals[0], raw, values, ctx);
    const checkpoints = await completeNow(positionals[0], ctx);
    if (checkpoints.length === 0)
      throw new Error(
        `${positionals[0]} holds no complete checkpoint (checkpoint-<step>/ folders, or model folders and weight files named with a step or epoch)`,
      );
    const result = await measure(checkpoints, raw, ctx);
    if (values.json) ctx.out(toJson(result));
    else if (values.csv) ctx.out(tidyCsv(timeline.tidy.columns, timeline.tidy.rows(result)));
    else ctx.out(formatTimeline(result));
    if (html) {
      const models = [{ path: positionals[0], files: checkpoints.map((c) => c.path) }];
      const engine = (await ctx.engine()).info;
      await writeCliReport(html, {
        analysis: timeline.id,
        models,
        settings: raw,
        engine,
        tidyColumns: timeline.tidy.columns,
        tidyRows: timeline.tidy.rows(result),
        wideCsv: [timeline.toCsv(result)],
        results: [result],
      });
      ctx.err(`wrote ${html}`);
    }
  },
};
