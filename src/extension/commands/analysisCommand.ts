/**
 * The "Analyze …" commands, from one factory: the workspace-trust check (the worker does not run in
 * Restricted Mode), the model to analyse (the explorer's Uri, the active model editor, or a pick),
 * then the analysis's own opening step; and the panel of an analysis run by its `<id>/run` worker
 * request, with the analysis's validator and CSV.
 */
import * as vscode from 'vscode';
import type { AnalysisId } from '../../analysis/methods/index';
import type { LayerLensContext } from '../context';
import { resolveModelTarget } from '../editor/activeModel';
import { AnalysisPanel, type AnalysisPanelSpec } from '../panels/analysisPanel';
import type { CommandSpec } from './types';

/** The analyses need the worker, which does not run in Restricted Mode: `needsTrust` is e.g. 'weight spectra need'. */
export function requireTrustedWorkspace(needsTrust: string): void {
  if (!vscode.workspace.isTrusted) throw new Error(`${needsTrust} a trusted workspace: the analysis worker does not run in Restricted Mode.`);
}

/**
 * A command `id` that opens an analysis of the model it is given or picks. `needsTrust` completes
 * "… a trusted workspace" for the Restricted-Mode error (e.g. 'weight spectra need').
 */
export function analyzeCommand(id: string, needsTrust: string, open: (ctx: LayerLensContext, model: string, rest: unknown[]) => unknown): CommandSpec {
  return {
    id,
    async run(ctx, ...args: unknown[]) {
      requireTrustedWorkspace(needsTrust);
      const model = await resolveModelTarget(ctx, args[0]);
      if (!model) return undefined;
      return open(ctx, model, args.slice(1));
    },
  };
}

/** A panel whose runs are the analysis's `<analysis>/run` requests; `toRunParams` maps panel options to them. */
export interface AnalysisPanelOf<Options, Result> extends Omit<AnalysisPanelSpec<Options, Result>, 'run' | 'model'> {
  analysis: AnalysisId;
  toRunParams?(options: Options): object;
}

export function openAnalysisPanel<Options, Result>(ctx: LayerLensContext, model: string, spec: AnalysisPanelOf<Options, Result>): void {
  AnalysisPanel.open<Options, Result>(ctx, analysisPanelSpec(ctx, model, spec));
}

/** The panel spec of an analysis on `model` (also what a panel restored after a reload is given). */
export function analysisPanelSpec<Options, Result>(
  ctx: LayerLensContext,
  model: string,
  spec: AnalysisPanelOf<Options, Result>,
): AnalysisPanelSpec<Options, Result> {
  const { analysis, toRunParams, ...panel } = spec;
  return {
    ...panel,
    model,
    // The method name is built from the id, so the compiler cannot pair params with it here; the
    // worker validates them with the analysis's own parseOptions.
    run: (options, job) =>
      ctx.worker.request(`${analysis}/run`, { path: model, ...(toRunParams ? toRunParams(options) : options), ...job.cache } as never, job) as Promise<Result>,
  };
}
