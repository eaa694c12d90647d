/**
 * The analysis panels that come back after a window reload, by kind: each rebuilds its panel spec
 * from the recipe the host stored (panels/panelRecipes.ts). The options go through the kind's own
 * validator again, so a recipe from an older version whose options no longer parse is not restored.
 * The LoRA adapter and training-timeline panels are not listed: their commands hold state (a base
 * model picked in a dialog, a live folder watcher) that a recipe does not capture, so VS Code
 * closes them at a reload.
 */
import type { LayerLensContext } from '../context';
import type { AnalysisPanelSpec } from '../panels/analysisPanel';
import type { PanelRecipe } from '../panels/panelRecipes';
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

/** Rebuilds a panel spec from its recipe; throws (with the reason) when the recipe no longer fits. */
export type PanelReopener = (ctx: LayerLensContext, recipe: PanelRecipe) => AnalysisPanelSpec<unknown, unknown>;

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
};
