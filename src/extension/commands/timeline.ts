/**
 * "Layer Lens: Show Training Timeline" (Explorer context menu on a folder, or the palette): the
 * checkpoints of a training run in a quick pick (step, size, date; untick those to leave out), then
 * the timeline panel. While it is open the run folder is watched (RunWatcher): a checkpoint that
 * has completely landed is added — "Checkpoint 1200 added — Show" — and one that is deleted
 * disappears; each change runs the timeline again, which computes only the new checkpoint. The
 * panel survives a window reload and goes on watching the folder (`reopenTimeline`).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { timelineCsv } from '../../analysis/methods/timeline/csv';
import { discoverCheckpoints, stepLabel, type CheckpointInfo } from '../../analysis/methods/timeline/discover';
import { snapshotCheckpoint } from '../../analysis/methods/timeline/completeness';
import type { TimelineCheckpointRef, TimelineResult } from '../../analysis/methods/timeline/names';
import { parseTimelineOptions } from '../../analysis/methods/timeline/options';
import type { TimelineOptions } from '../../analysis/methods/timeline/timeline';
import type { LayerLensContext } from '../context';
import { AnalysisPanel, type AnalysisPanelSpec } from '../panels/analysisPanel';
import type { PanelRecipe } from '../panels/panelRecipes';
import { RunWatcher } from '../timeline/runWatcher';
import { timelineFromRecipe, timelineRecipeExtra } from '../timeline/timelineRecipe';
import { requireTrustedWorkspace } from './analysisCommand';
import type { CommandSpec } from './types';
import { isModelFile } from '../../analysis/io/modelFileKinds';
import { showModelFolder } from '../editor/modelFolderPanel';
import { openDiffPanel } from './compareModels';

function sizeText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

const toRef = (c: CheckpointInfo): TimelineCheckpointRef => ({ path: c.path, step: c.step, unit: c.unit, name: c.name });

async function pickRunFolder(arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Show Training Timeline',
    title: 'A folder of checkpoints',
  });
  return picked?.[0]?.fsPath;
}

/** The complete checkpoints the user keeps, in step order; undefined when the pick is dismissed. */
async function pickCheckpoints(runDir: string): Promise<{ chosen: CheckpointInfo[]; left: CheckpointInfo[] } | undefined> {
  const found = await discoverCheckpoints(runDir);
  const expectTrainerState = found.checkpoints.some((c) => c.hasTrainerState);
  const complete: CheckpointInfo[] = [];
  for (const c of found.checkpoints) if ((await snapshotCheckpoint(c.path, { expectTrainerState })).ready) complete.push(c);
  if (complete.length === 0) {
    const why = found.skipped.length ? ` (${found.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : '';
    throw new Error(
      `${runDir} holds no complete checkpoint: a training timeline reads checkpoint-<step>/ folders, or model folders and weight files named with a step or epoch${why}`,
    );
  }
  const items = complete.map((c) => ({
    label: stepLabel(c),
    description: c.name,
    detail: `${sizeText(c.bytes)} · ${new Date(c.mtimeMs).toLocaleString()}${c.stepFrom === 'trainer_state' ? ' · step from trainer_state.json' : ''}`,
    picked: true,
    checkpoint: c,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: `Training timeline of ${path.basename(runDir)}: ${complete.length} checkpoint${complete.length === 1 ? '' : 's'}`,
    placeHolder: 'Untick the checkpoints to leave out',
  });
  if (!picked || picked.length === 0) return undefined;
  const chosen = new Set(picked.map((p) => p.checkpoint.path));
  return { chosen: complete.filter((c) => chosen.has(c.path)), left: complete.filter((c) => !chosen.has(c.path)) };
}

/**
 * The timeline panel of `runDir` with `options`, and its folder watcher, started by `started` once the
 * panel exists. `left`: the checkpoints the user left out (never added back while they stay
 * unchanged); kept in the panel's recipe with the run folder, so that after a window reload the panel
 * comes back and resumes watching: its first look re-reads the folder and adds what landed, drops
 * what went (each checkpoint's figures are cached, so only new checkpoints are measured).
 */
export function timelinePanel(
  ctx: LayerLensContext,
  runDir: string,
  options: TimelineOptions,
  left: string[],
): { spec: AnalysisPanelSpec<TimelineOptions, TimelineResult>; started(panel: AnalysisPanel<TimelineOptions, TimelineResult>): void } {
  let current = options;
  const known = new Set(options.checkpoints.map((c) => c.path));
  const spec: AnalysisPanelSpec<TimelineOptions, TimelineResult> = {
    panel: 'timeline',
    title: 'Training timeline',
    model: runDir,
    options,
    // Options come back from the webview: only checkpoints of this run that the host found pass.
    parseOptions: (raw) => {
      const o = parseTimelineOptions(raw);
      const foreign = o.checkpoints.find((c) => !known.has(c.path));
      if (foreign) throw new Error(`${foreign.path} is not a checkpoint of ${runDir}`);
      current = o;
      return o;
    },
    run: (o, job) => ctx.worker.request('timeline/run', { path: o.checkpoints[0].path, ...o, ...job.cache }, job),
    toCsv: timelineCsv,
    reopen: timelineRecipeExtra(left),
    // A click on a step opens that checkpoint; a second step clicked with Shift opens the diff of the two.
    onRequest: async (name, payload) => {
      const stepOf = (key: string) => {
        const step = (payload as Record<string, unknown> | null)?.[key];
        const c = current.checkpoints.find((x) => x.step === step);
        if (!c) throw new Error(`no checkpoint of this timeline is at step ${String(step)}`);
        return c.path;
      };
      if (name === 'openCheckpoint') {
        const target = stepOf('step');
        if (isModelFile(target)) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(target), 'layerLens.modelEditor');
        else showModelFolder(ctx, target);
        return true;
      }
      if (name === 'diffCheckpoints') {
        openDiffPanel(ctx, stepOf('from'), stepOf('to'));
        return true;
      }
      throw new Error(`unknown timeline request '${name}'`);
    },
  };
  const started = (panel: AnalysisPanel<TimelineOptions, TimelineResult>) => {
    const watcher = new RunWatcher(
      runDir,
      known,
      new Set(left),
      ({ added, removed, rewritten }) => {
        const gone = new Set(removed);
        const all = [...current.checkpoints.filter((c) => !gone.has(c.path)), ...added.map(toRef)];
        all.sort((a, b) => (a.unit === b.unit ? a.step - b.step : a.unit === 'epoch' ? 1 : -1));
        if (all.length === 0) return;
        current = { ...current, checkpoints: all };
        // A rewritten checkpoint has a new file identity: the run measures it (and its drift neighbours) again.
        void panel.run(current);
        if (rewritten.length) ctx.log.info(`timeline: ${rewritten.map((c) => c.name).join(', ')} rewritten in ${runDir}; measuring again`);
        for (const c of added) {
          void vscode.window
            .showInformationMessage(`Layer Lens: checkpoint ${c.step} added to the training timeline of ${path.basename(runDir)}`, 'Show')
            .then((choice) => {
              if (choice === 'Show') panel.webviewPanel.reveal();
            });
        }
        if (removed.length) ctx.log.info(`timeline: ${removed.map((p) => path.basename(p)).join(', ')} removed from ${runDir}`);
      },
      (message) => ctx.log.warn(message),
    );
    panel.onDidClose(() => watcher.dispose());
  };
  return { spec, started };
}

/** Rebuilds the timeline panel from its recipe after a window reload; throws when the recipe no longer fits. */
export function reopenTimeline(ctx: LayerLensContext, recipe: PanelRecipe): ReturnType<typeof timelinePanel> {
  const { runDir, options, left } = timelineFromRecipe(recipe);
  return timelinePanel(ctx, runDir, options, left);
}

function openTimeline(ctx: LayerLensContext, runDir: string, chosen: CheckpointInfo[], left: CheckpointInfo[]): void {
  const { spec, started } = timelinePanel(
    ctx,
    runDir,
    { checkpoints: chosen.map(toRef) },
    left.map((c) => c.path),
  );
  started(AnalysisPanel.open(ctx, spec));
}

export const showTimeline: CommandSpec = {
  id: 'layerLens.showTimeline',
  async run(ctx, ...args) {
    requireTrustedWorkspace('the training timeline needs');
    const runDir = await pickRunFolder(args[0]);
    if (!runDir) return undefined;
    const picked = await pickCheckpoints(runDir);
    if (!picked) return undefined;
    openTimeline(ctx, runDir, picked.chosen, picked.left);
    return undefined;
  },
};
