/**
 * What a panel VS Code restores after a window reload becomes: its last result, read from the
 * on-disk cache of panel results (no worker request, so nothing is computed), or, when there is
 * none for the options and the model files as they are now, its options and a Run button. It is
 * never a silent long job. A webview state without a known restore id (a panel from an older
 * version, storage cleared) cannot be brought back and is closed with the reason logged.
 */
import type { PanelSnapshot, PanelSnapshotKey } from '../../analysis/cache/panelSnapshot';
import { parseRestoreId } from '../../protocol/panel';
import type { PanelRecipe } from './panelRecipes';

export type RestorePlan =
  | { action: 'close'; reason: string }
  | { action: 'result'; id: string; recipe: PanelRecipe; snapshot: PanelSnapshot }
  | { action: 'options'; id: string; recipe: PanelRecipe; message: string };

export interface RestoreSources {
  /** The recipe the host stored under a restore id. */
  recipe(id: string): PanelRecipe | undefined;
  /** The stored result for the recipe's models and options, if any (a cache read, never a run). */
  snapshot(recipe: PanelRecipe): Promise<PanelSnapshot | undefined>;
}

/**
 * Where a panel's result is stored for a restore: its kind, its options with what else the recipe
 * holds (a selection, a prompt file's path), and the files whose change makes the result stale
 * (the model's, a diff's base model's, an adapter's base model's, a prompt file, each checkpoint
 * of a training timeline). The panel (when a run finishes) and the serializer (after a reload)
 * both key by this, so they always agree.
 */
export function snapshotKeyFor(recipe: PanelRecipe): PanelSnapshotKey {
  const paths = ['pathA', 'file', 'base'].map((k) => recipe.extra?.[k]).filter((p): p is string => typeof p === 'string' && p.length > 0);
  return {
    panel: recipe.panel,
    models: [recipe.model, ...paths, ...timelineCheckpoints(recipe)],
    options: { options: recipe.options, extra: recipe.extra ?? null },
  };
}

/** A timeline's model is its run folder; its results are those of the checkpoints inside it. */
function timelineCheckpoints(recipe: PanelRecipe): string[] {
  if (recipe.panel !== 'timeline') return [];
  const list = (recipe.options as { checkpoints?: unknown } | null)?.checkpoints;
  if (!Array.isArray(list)) return [];
  return list.map((c) => (c as { path?: unknown } | null)?.path).filter((p): p is string => typeof p === 'string' && p.length > 0);
}

/** The restore decision for a panel of kind `panel` whose webview left `state`. */
export async function planRestore(panel: string, state: unknown, sources: RestoreSources): Promise<RestorePlan> {
  const id = parseRestoreId(state);
  if (!id) return { action: 'close', reason: `a ${panel} panel without a restore id in its state` };
  const recipe = sources.recipe(id);
  if (!recipe) return { action: 'close', reason: `no stored recipe for the ${panel} panel ${id}` };
  if (recipe.panel !== panel) return { action: 'close', reason: `the recipe ${id} is for a ${recipe.panel} panel, not ${panel}` };
  let snapshot: PanelSnapshot | undefined;
  try {
    snapshot = await sources.snapshot(recipe);
  } catch {
    snapshot = undefined;
  }
  if (snapshot) return { action: 'result', id, recipe, snapshot };
  return {
    action: 'options',
    id,
    recipe,
    message: 'No stored result for these options, or the model changed on disk since the last run: press Run to compute it.',
  };
}
