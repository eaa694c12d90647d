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
import { resolveModelTarget } from '../editor/activeModel';
import { AnalysisPanel } from '../panels/analysisPanel';
import type { CommandSpec } from './types';

/** Opens the activation panel on `model`; `held` is what only the host may supply (a prompt file, a selection). */
export function openActivationPanel(
  ctx: LayerLensContext,
  model: string,
  options: ActivationPanelOptions,
  held: { file?: string; selection?: string },
  title = 'Parameter activation',
): void {
  AnalysisPanel.open<ActivationPanelOptions, ActivationJobResult>(ctx, {
    panel: 'activation',
    title,
    model,
    options,
    parseOptions: parseActivationOptions,
    run: (opts, job) => ctx.worker.request('activation/run', { path: model, ...activationJobParams(opts, held), ...job.cache }, job),
    toCsv: activationCsv,
  });
}

/** "Layer Lens: Analyze Parameter Activation" — gradient-based activation over built-in domain prompts or a prompt file. */
export const analyzeActivation: CommandSpec = {
  id: 'layerLens.analyzeActivation',
  async run(ctx, arg?: unknown) {
    if (!vscode.workspace.isTrusted) throw new Error('parameter activation needs a trusted workspace: the analysis worker does not run in Restricted Mode.');
    const model = await resolveModelTarget(ctx, arg);
    if (!model) return;
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
  },
};
