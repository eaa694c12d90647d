/**
 * "Layer Lens: Analyze Expert Similarity": the mixture-of-experts layer (a QuickPick of the model's
 * MoE layers, from the worker's model summary), then the expert × expert panel of that layer.
 */
import * as vscode from 'vscode';
import type { ExpertsResult } from '../../analysis/methods/experts/experts';
import { expertsCsv } from '../../analysis/methods/experts/csv';
import { parseExpertsOptions, type ExpertsOptions } from '../../analysis/methods/experts/options';
import type { LayerLensContext } from '../context';
import { analyzeCommand, openAnalysisPanel, type AnalysisPanelOf } from './analysisCommand';

/** A QuickPick of the model's mixture-of-experts layers, with their expert counts and shapes. */
async function pickLayer(ctx: LayerLensContext, model: string): Promise<number | undefined> {
  const summary = await ctx.worker.request('model/open', { path: model });
  const items: (vscode.QuickPickItem & { layer: number })[] = summary.layers.flatMap((l) => {
    const x = l.experts;
    if (!x) return [];
    const up = x.shapes.up?.join('×');
    return [
      {
        label: `Layer ${l.index}`,
        description: `${x.count} experts${x.shared ? ' + shared' : ''}`,
        detail: up ? `up ${up}${x.shared?.up ? ` · shared up ${x.shared.up.join('×')}` : ''}` : undefined,
        layer: l.index,
      },
    ];
  });
  if (items.length === 0) throw new Error(`${model} has no mixture-of-experts layer, so it has no experts to compare.`);
  if (items.length === 1) return items[0].layer;
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Expert similarity: which layer?',
    placeHolder: 'Mixture-of-experts layer whose experts to compare',
  });
  return picked?.layer;
}

/** Options passed by a caller (tests, other commands) as an argument `{ layer, kind, … }`. */
function optionsArgument(args: unknown[]): ExpertsOptions | undefined {
  const found = args.find((a) => typeof a === 'object' && a !== null && !Array.isArray(a) && !(a instanceof vscode.Uri) && 'layer' in a);
  return found === undefined ? undefined : parseExpertsOptions(found);
}

export const analyzeExperts = analyzeCommand('layerLens.analyzeExperts', 'expert similarity needs', async (ctx, model, rest) => {
  let options = optionsArgument(rest);
  if (!options) {
    const layer = await pickLayer(ctx, model);
    if (layer === undefined) return;
    options = { layer, kind: 'up' };
  }
  openAnalysisPanel(ctx, model, expertsPanel(options));
});

/** The expert-similarity panel with `options` for its first run. */
export function expertsPanel(options: ExpertsOptions): AnalysisPanelOf<ExpertsOptions, ExpertsResult> {
  return {
    analysis: 'experts',
    panel: 'experts',
    title: 'Expert similarity',
    options,
    parseOptions: parseExpertsOptions,
    toCsv: expertsCsv,
  };
}
