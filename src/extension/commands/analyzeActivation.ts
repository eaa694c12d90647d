/**
 * "Layer Lens: Analyze Parameter Activation" and the activation panel it opens (the selection
 * command opens the same panel): the panel's own options map to the `activation/run` options with
 * the prompt file or selection the host holds.
 */
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

/** Opens the activation panel on `model`; `held` is what only the host may supply (a prompt file, a selection). */
export function openActivationPanel(
  ctx: LayerLensContext,
  model: string,
  options: ActivationPanelOptions,
  held: ActivationHeld,
  title = 'Parameter activation',
): void {
  openAnalysisPanel(ctx, model, activationPanel(options, held, title));
}

/** What only the host may supply to an activation run. */
export interface ActivationHeld {
  file?: string;
  selection?: string;
}

/** The activation panel; `held` and the title are kept in its recipe to reopen it after a reload. */
export function activationPanel(
  options: ActivationPanelOptions,
  held: ActivationHeld,
  title = 'Parameter activation',
): AnalysisPanelOf<ActivationPanelOptions, ActivationJobResult> {
  return {
    analysis: 'activation',
    panel: 'activation',
    title,
    options,
    parseOptions: parseActivationOptions,
    toRunParams: (opts) => activationJobParams(opts, held),
    toCsv: activationCsv,
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
