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
import { analyzeCommand, openAnalysisPanel } from './analysisCommand';

/** Opens the activation panel on `model`; `held` is what only the host may supply (a prompt file, a selection). */
export function openActivationPanel(
  ctx: LayerLensContext,
  model: string,
  options: ActivationPanelOptions,
  held: { file?: string; selection?: string },
  title = 'Parameter activation',
): void {
  openAnalysisPanel<ActivationPanelOptions, ActivationJobResult>(ctx, model, {
    analysis: 'activation',
    panel: 'activation',
    title,
    options,
    parseOptions: parseActivationOptions,
    toRunParams: (opts) => activationJobParams(opts, held),
    toCsv: activationCsv,
  });
}

/** Gradient-based activation over built-in domain prompts or a prompt file the user picks. */
export const analyzeActivation = analyzeCommand('layerLens.analyzeActivation', 'parameter activation needs', async (ctx, model) => {
  const source = await vscode.window.showQuickPick(
    [
      { label: 'Built-in prompt sets', description: 'prose, code, math, dialogue', id: 'builtin' },
      { label: 'A prompt file…', description: '.txt (blank-line separated) or .jsonl', id: 'file' },
    ],
    { title: 'Layer Lens: which prompts?' },
  );
  if (!source) return;
  if (source.id === 'builtin') {
    openActivationPanel(ctx, model, DEFAULT_ACTIVATION_OPTIONS, {});
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
  openActivationPanel(ctx, model, { ...DEFAULT_ACTIVATION_OPTIONS, domains: [], useFile: true }, { file: file[0].fsPath });
});
