/**
 * The analysis panels that come back after a window reload, by kind: each rebuilds its panel spec
 * from the recipe the host stored (panels/panelRecipes.ts). The options go through the kind's own
 * validator again, so a recipe from an older version whose options no longer parse is not restored.
 * The LoRA adapter's base model (picked in a dialog) and the training timeline's left-out
 * checkpoints are kept in their recipes by the host; the timeline's folder watcher starts again
 * once its panel is back.
 */
import type { LayerLensContext } from '../context';
import type { AnalysisPanel, AnalysisPanelSpec } from '../panels/analysisPanel';
import type { PanelRecipe } from '../panels/panelRecipes';
import type { Reopened } from '../panels/panelSerializer';
import { parseAdapterOptions } from '../../analysis/methods/adapter/options';
import { parseActivationOptions } from '../../analysis/methods/activation/options';
import { parseCorrelationsOptions } from '../../analysis/methods/correlations/options';
import { parseDiffOptions } from '../../analysis/methods/diff/options';
import { parseExpertsOptions } from '../../analysis/methods/experts/options';
import { parsePersistenceOptions } from '../../analysis/methods/persistence/options';
import { parseSimilaritySettings } from '../../analysis/methods/similarity/options';
import { parseSpectraOptions } from '../../analysis/methods/spectra/options';
import { analysisPanelSpec } from './analysisCommand';
import { activationPanel } from './analyzeActivation';
import { correlationsPanel } from './analyzeCorrelations';
import { expertsPanel } from './analyzeExperts';
import { persistencePanel } from './analyzePersistence';
import { similarityPanel } from './analyzeSimilarity';
import { spectraPanel } from './analyzeSpectra';
import { diffPanel } from './compareModels';
import { adapterPanel } from './analyzeAdapter';
import { reopenTimeline } from './timeline';

/** Rebuilds a panel spec from its recipe; throws (with the reason) when the recipe no longer fits. */
export type PanelReopener = (ctx: LayerLensContext, recipe: PanelRecipe) => Reopened;

function extraString(recipe: PanelRecipe, key: string): string | undefined {
  const v = recipe.extra?.[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

const erase = <O, R>(spec: AnalysisPanelSpec<O, R>) => spec as unknown as AnalysisPanelSpec<unknown, unknown>;

export const panelReopeners: Record<string, PanelReopener> = {
  similarity: (ctx, r) => erase(analysisPanelSpec(ctx, r.model, similarityPanel(parseSimilaritySettings(r.options)))),
  spectra: (ctx, r) => erase(analysisPanelSpec(ctx, r.model, spectraPanel(parseSpectraOptions(r.options)))),
  correlations: (ctx, r) => erase(analysisPanelSpec(ctx, r.model, correlationsPanel(ctx, r.model, parseCorrelationsOptions(r.options)))),
  experts: (ctx, r) => erase(analysisPanelSpec(ctx, r.model, expertsPanel(parseExpertsOptions(r.options)))),
  activation: (ctx, r) =>
    erase(
      analysisPanelSpec(
        ctx,
        r.model,
        activationPanel(parseActivationOptions(r.options), { file: extraString(r, 'file'), selection: extraString(r, 'selection') }, extraString(r, 'title'), {
          ctx,
          model: r.model,
        }),
      ),
    ),
  persistence: (ctx, r) =>
    erase(analysisPanelSpec(ctx, r.model, persistencePanel(ctx, r.model, parsePersistenceOptions(r.options), { file: extraString(r, 'file') }))),
  diff: (ctx, r) => {
    const pathA = extraString(r, 'pathA');
    if (!pathA) throw new Error('the diff recipe has no base model');
    return erase(diffPanel(ctx, pathA, r.model, parseDiffOptions(r.options)));
  },
  adapter: (ctx, r) => {
    // The base is the host's choice, kept in the recipe; the options a panel sent never choose it.
    if (!r.extra) throw new Error('the adapter recipe has no base model choice');
    return erase(analysisPanelSpec(ctx, r.model, adapterPanel(parseAdapterOptions(r.extra))));
  },
  timeline: (ctx, r) => {
    const { spec, started } = reopenTimeline(ctx, r);
    return { spec: erase(spec), started: started as (panel: AnalysisPanel<unknown, unknown>) => void };
  },
};
