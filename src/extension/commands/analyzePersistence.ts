import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PersistenceJobResult, PruneJobParams, PruneJobResult } from '../../analysis/methods/persistence/job';
import { persistenceCsv } from '../../analysis/methods/persistence/csv';
import {
  DEFAULT_PERSISTENCE_OPTIONS,
  parsePersistenceOptions,
  persistenceJobParams,
  type PersistencePanelOptions,
} from '../../analysis/methods/persistence/options';
import type { LayerLensContext } from '../context';
import { resolveModelTarget } from '../editor/activeModel';
import { AnalysisPanel } from '../panels/analysisPanel';
import type { CommandSpec } from './types';

/** The two persistence settings (package.json: layerLens.persistence.*), clamped to their declared ranges. */
function settings(): Pick<PersistencePanelOptions, 'k' | 'maxDim'> {
  const c = vscode.workspace.getConfiguration('layerLens.persistence');
  const int = (v: unknown, lo: number, hi: number, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : fallback);
  return {
    k: int(c.get('neighbours'), 1, 100, DEFAULT_PERSISTENCE_OPTIONS.k),
    maxDim: int(c.get('cliqueDimension'), 2, 5, DEFAULT_PERSISTENCE_OPTIONS.maxDim),
  };
}

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
  const result = await ctx.worker.withProgress('Layer Lens: pruning and measuring perplexity', 'persistence/prune', { path: model, layers, outDir, heldOut });
  return result ?? null;
}

export function openPersistencePanel(ctx: LayerLensContext, model: string, options: PersistencePanelOptions, held: { file?: string }): void {
  AnalysisPanel.open<PersistencePanelOptions, PersistenceJobResult>(ctx, {
    panel: 'persistence',
    title: 'Persistence similarity',
    model,
    options,
    parseOptions: parsePersistenceOptions,
    run: (opts, job) => ctx.worker.request('persistence/run', { path: model, ...persistenceJobParams(opts, held), ...job.cache }, job),
    toCsv: persistenceCsv,
    onRequest: async (name, payload) => {
      if (name !== 'pruneAndEvaluate') throw new Error(`unknown request '${name}'`);
      return pruneAndEvaluate(ctx, model, payload);
    },
  });
}

/** "Layer Lens: Analyze Persistence Similarity" — zigzag persistent homology of hidden states over a prompt set. */
export const analyzePersistence: CommandSpec = {
  id: 'layerLens.analyzePersistence',
  async run(ctx, arg?: unknown) {
    if (!vscode.workspace.isTrusted) throw new Error('persistence similarity needs a trusted workspace: the analysis worker does not run in Restricted Mode.');
    const model = await resolveModelTarget(ctx, arg);
    if (!model) return;
    const source = await vscode.window.showQuickPick(
      [
        { label: 'Built-in prompt sets', description: 'prose, code, math, dialogue (168 prompts)', id: 'builtin' },
        { label: 'A prompt file…', description: '.txt (blank-line separated) or .jsonl; 100–1000 prompts work best', id: 'file' },
      ],
      { title: 'Layer Lens: which prompts?' },
    );
    if (!source) return;
    const base = { ...DEFAULT_PERSISTENCE_OPTIONS, ...settings() };
    if (source.id === 'builtin') {
      openPersistencePanel(ctx, model, base, {});
      return;
    }
    const file = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      openLabel: 'Use prompts',
      title: 'Layer Lens: choose a prompt file',
      filters: { Prompts: ['txt', 'jsonl'] },
    });
    if (!file?.[0]) return;
    openPersistencePanel(ctx, model, { ...base, domains: [], useFile: true }, { file: file[0].fsPath });
  },
};
