/**
 * "Layer Lens: Analyze Persistence Similarity": the prompts to use (the built-in sets or a file the
 * host keeps), then the persistence panel, run by 'persistence/run'; its "Prune and evaluate"
 * asks where the copy goes and which text to measure on, and runs 'persistence/prune'.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PruneCurvesResult } from '../../analysis/methods/persistence/evaluation/job';
import type { PersistenceJobResult, PruneJobParams, PruneJobResult } from '../../analysis/methods/persistence/job';
import { persistenceCsv } from '../../analysis/methods/persistence/csv';
import type { PersistenceJobParams } from '../../analysis/methods/persistence/job';
import {
  DEFAULT_PERSISTENCE_OPTIONS,
  parsePersistenceOptions,
  persistenceJobParams,
  type PersistencePanelOptions,
} from '../../analysis/methods/persistence/options';
import { readPersistenceConfig, readPersistenceMaxPrunedShare } from '../config';
import type { LayerLensContext } from '../context';
import { analyzeCommand, openAnalysisPanel, type AnalysisPanelOf } from './analysisCommand';
import type { PanelJob } from '../panels/analysisPanel';
import { pickPromptFile } from './pickPrompts';

function parseLayers(payload: unknown): number[] {
  const layers = (payload as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers) || layers.length === 0 || !layers.every((l) => Number.isInteger(l) && l >= 0 && l < 10000))
    throw new Error('choose at least one layer to remove');
  return [...new Set(layers as number[])].sort((a, b) => a - b);
}

/** "Prune and evaluate": the user picks where the copy goes and which text to measure on; the worker does the rest. */
async function pruneAndEvaluate(ctx: LayerLensContext, model: string, payload: unknown): Promise<PruneJobResult | null> {
  const layers = parseLayers(payload);
  const parent = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Write pruned copy here',
    title: `Layer Lens: folder for the copy without layers ${layers.join(', ')}`,
  });
  if (!parent?.[0]) return null;
  const outDir = path.join(parent[0].fsPath, `${path.basename(model)}-without-${layers.join('-')}`);
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Built-in prompts', description: 'the prompt sets shipped with Layer Lens, joined', id: 'builtin' },
      { label: 'A text file…', description: 'held-out text the model was not trained on', id: 'file' },
    ],
    { title: 'Layer Lens: measure perplexity on which text?' },
  );
  if (!pick) return null;
  let heldOut: PruneJobParams['heldOut'] = { kind: 'builtin' };
  if (pick.id === 'file') {
    const file = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      openLabel: 'Measure on this text',
      filters: { Text: ['txt', 'md', 'jsonl'] },
    });
    if (!file?.[0]) return null;
    heldOut = { kind: 'file', path: file[0].fsPath };
  }
  const result = await ctx.worker.withProgress('Layer Lens: pruning and measuring perplexity', 'persistence/prune', {
    path: model,
    layers,
    outDir,
    heldOut,
  });
  return result ?? null;
}

/** The held-out text: the built-in prompts or a file the user picks; undefined when a dialog was dismissed. */
async function pickHeldOut(): Promise<PruneJobParams['heldOut'] | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Built-in prompts', description: 'the prompt sets shipped with Layer Lens, joined', id: 'builtin' },
      { label: 'A text file…', description: 'held-out text the model was not trained on', id: 'file' },
    ],
    { title: 'Layer Lens: measure perplexity on which text?' },
  );
  if (!pick) return undefined;
  if (pick.id === 'builtin') return { kind: 'builtin' };
  const file = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectMany: false,
    openLabel: 'Measure on this text',
    filters: { Text: ['txt', 'md', 'jsonl'] },
  });
  return file?.[0] ? { kind: 'file', path: file[0].fsPath } : undefined;
}

/** "Evaluate curves": perplexity (and accuracy on a multiple-choice file) against layers removed, for the three methods. */
async function pruneCurves(
  ctx: LayerLensContext,
  model: string,
  payload: unknown,
  persistence: PersistenceJobParams,
  cache: PanelJob['cache'],
): Promise<PruneCurvesResult | null> {
  const raw = (payload as { maxRemoved?: unknown } | null)?.maxRemoved;
  if (raw !== undefined && !(Number.isInteger(raw) && (raw as number) >= 0 && (raw as number) < 10000))
    throw new Error('the most layers removed must be a whole number');
  const heldOut = await pickHeldOut();
  if (!heldOut) return null;
  const sample = path.join(ctx.extensionUri.fsPath, 'media', 'samples', 'pruning-choices.jsonl');
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'Perplexity only', description: 'no multiple-choice accuracy', id: 'none' },
      ...(existsSync(sample) ? [{ label: 'The bundled sample items', description: '12 short items written for the sample model', id: 'sample' }] : []),
      { label: 'A multiple-choice JSONL file…', description: '{"ctx", "endings", "label"} or {"query", "choices", "gold"} per line', id: 'file' },
    ],
    { title: 'Layer Lens: also measure multiple-choice accuracy?' },
  );
  if (!choice) return null;
  let choicesFile: string | undefined;
  if (choice.id === 'sample') choicesFile = sample;
  else if (choice.id === 'file') {
    const file = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      openLabel: 'Score these items',
      filters: { 'JSON Lines': ['jsonl', 'json'] },
    });
    if (!file?.[0]) return null;
    choicesFile = file[0].fsPath;
  }
  const result = await ctx.worker.withProgress('Layer Lens: pruning curves', 'persistence/pruneCurves', {
    path: model,
    persistence,
    heldOut,
    choicesFile,
    maxRemoved: raw as number | undefined,
    ...cache,
  });
  return result ?? null;
}

export function openPersistencePanel(ctx: LayerLensContext, model: string, options: PersistencePanelOptions, held: { file?: string }): void {
  openAnalysisPanel(ctx, model, persistencePanel(ctx, model, options, held));
}

/** The persistence panel of `model`; `held` (the prompt file) is kept in its recipe to reopen it after a reload. */
export function persistencePanel(
  ctx: LayerLensContext,
  model: string,
  options: PersistencePanelOptions,
  held: { file?: string },
): AnalysisPanelOf<PersistencePanelOptions, PersistenceJobResult> {
  // The options of the latest run: the pruning curves rank layers with that run's (cached) result.
  let current = options;
  return {
    analysis: 'persistence',
    panel: 'persistence',
    title: 'Persistence similarity',
    options,
    parseOptions: parsePersistenceOptions,
    toRunParams: (opts) => persistenceJobParams((current = opts), held),
    toCsv: persistenceCsv,
    onRequest: async (name, payload, job) => {
      if (name === 'pruneCurves') return pruneCurves(ctx, model, payload, persistenceJobParams(current, held), job.cache);
      if (name !== 'pruneAndEvaluate') throw new Error(`unknown request '${name}'`);
      return pruneAndEvaluate(ctx, model, payload);
    },
    // The evaluations table and the curves are the panel's record: a re-created webview gets them again.
    keepReplies: ['pruneAndEvaluate', 'pruneCurves'],
    reopen: { ...held },
  };
}

/** "Layer Lens: Analyze Persistence Similarity" — zigzag persistent homology of hidden states over a prompt set. */
export const analyzePersistence = analyzeCommand('layerLens.analyzePersistence', 'persistence similarity needs', async (ctx, model) => {
  const file = await pickPromptFile({
    builtin: 'prose, code, math, dialogue (168 prompts)',
    file: '.txt (blank-line separated) or .jsonl; 100–1000 prompts work best',
  });
  if (file === undefined) return;
  const base = {
    ...DEFAULT_PERSISTENCE_OPTIONS,
    ...readPersistenceConfig(DEFAULT_PERSISTENCE_OPTIONS),
    maxPrunedShare: readPersistenceMaxPrunedShare(DEFAULT_PERSISTENCE_OPTIONS.maxPrunedShare),
  };
  if (file === null) openPersistencePanel(ctx, model, base, {});
  else openPersistencePanel(ctx, model, { ...base, domains: [], useFile: true }, { file });
});
