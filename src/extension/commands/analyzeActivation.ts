/**
 * "Layer Lens: Analyze Parameter Activation" and the activation panel it opens (the selection
 * command opens the same panel): the panel's own options map to the `activation/run` options with
 * the prompt file or selection the host holds.
 */
import * as vscode from 'vscode';
import type { ActivationJobResult } from '../../analysis/methods/activation/job';
import { activationCsv } from '../../analysis/methods/activation/csv';
import {
  activationJobParams,
  DEFAULT_ACTIVATION_OPTIONS,
  parseActivationOptions,
  type ActivationPanelOptions,
} from '../../analysis/methods/activation/options';
import type { LayerLensContext } from '../context';
import { analyzeCommand, openAnalysisPanel, type AnalysisPanelOf } from './analysisCommand';
import { pickPromptFile } from './pickPrompts';
import { pruneExperimentRequest } from './activationPruneExperiment';
import type { StsJobResult } from '../../analysis/methods/activation/sts/job';

/** Opens the activation panel on `model`; `held` is what only the host may supply (a prompt file, a selection). */
export function openActivationPanel(
  ctx: LayerLensContext,
  model: string,
  options: ActivationPanelOptions,
  held: ActivationHeld,
  title = 'Parameter activation',
): void {
  openAnalysisPanel(ctx, model, activationPanel(options, held, title, { ctx, model }));
}

/** What only the host may supply to an activation run. */
export interface ActivationHeld {
  file?: string;
  selection?: string;
}

/** The extension and the model an activation panel's own requests (semantic similarity, …) run with. */
export interface ActivationHost {
  ctx: LayerLensContext;
  model: string;
}

/** "Semantic similarity": the built-in sample or a pairs file the user picks, run by 'activation/sts' under a cancellable notification; null when cancelled. */
async function semanticSimilarity(host: ActivationHost, payload: unknown): Promise<StsJobResult | null> {
  const source = (payload as { source?: unknown } | null)?.source;
  if (source !== 'sample' && source !== 'file') throw new Error("the semantic-similarity request needs source 'sample' or 'file'");
  let pairs: { kind: 'sample' } | { kind: 'file'; path: string } = { kind: 'sample' };
  if (source === 'file') {
    const file = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      openLabel: 'Use these sentence pairs',
      title: 'Layer Lens: scored sentence pairs (TSV with sentence1, sentence2, score columns, as STS-B or SICK; or JSONL)',
      filters: { 'Sentence pairs': ['tsv', 'jsonl', 'json', 'txt'], 'All files': ['*'] },
    });
    if (!file?.[0]) return null;
    pairs = { kind: 'file', path: file[0].fsPath };
  }
  const result = await host.ctx.worker.withProgress('Layer Lens: semantic similarity by layer', 'activation/sts', { path: host.model, pairs });
  return result ?? null;
}

/**
 * The activation panel; `held` and the title are kept in its recipe to reopen it after a reload.
 * `host` serves the panel's own requests; a panel built without it answers them with an error.
 */
export function activationPanel(
  options: ActivationPanelOptions,
  held: ActivationHeld,
  title = 'Parameter activation',
  host?: ActivationHost,
): AnalysisPanelOf<ActivationPanelOptions, ActivationJobResult> {
  return {
    analysis: 'activation',
    panel: 'activation',
    title,
    options,
    parseOptions: parseActivationOptions,
    toRunParams: (opts) => activationJobParams(opts, held),
    toCsv: activationCsv,
    onRequest: async (name, payload) => {
      if (!host) throw new Error('This panel cannot run that here: open it again from "Layer Lens: Analyze Parameter Activation".');
      switch (name) {
        case 'pruneExperiment':
          return pruneExperimentRequest(host, payload, activationJobParams(options, held));
        case 'sts':
          return semanticSimilarity(host, payload);
        default:
          throw new Error(`unknown request '${name}'`);
      }
    },
    // Answers drawn in sections of their own: a re-created webview gets them again.
    keepReplies: ['sts', 'pruneExperiment'],
    reopen: { title, ...held },
  };
}

/** Gradient-based activation over built-in domain prompts or a prompt file the user picks. */
export const analyzeActivation = analyzeCommand('layerLens.analyzeActivation', 'parameter activation needs', async (ctx, model) => {
  const file = await pickPromptFile({ builtin: 'prose, code, math, dialogue', file: '.txt (blank-line separated) or .jsonl' });
  if (file === undefined) return;
  if (file === null) openActivationPanel(ctx, model, DEFAULT_ACTIVATION_OPTIONS, {});
  else openActivationPanel(ctx, model, { ...DEFAULT_ACTIVATION_OPTIONS, domains: [], useFile: true }, { file });
});
