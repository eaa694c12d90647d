/**
 * What a training-timeline panel keeps in its recipe (panels/panelRecipes.ts) to come back after a
 * window reload, and the check of a stored recipe: the run folder is the recipe's model, the
 * options are the last run's (checkpoints added while watching included), and `left` holds the
 * checkpoints the user left out, which the folder watcher must not add back.
 */
import * as path from 'node:path';
import { parseTimelineOptions } from '../../analysis/methods/timeline/options';
import type { TimelineOptions } from '../../analysis/methods/timeline/timeline';
import type { PanelRecipe } from '../panels/panelRecipes';

export interface TimelineRecipe {
  runDir: string;
  options: TimelineOptions;
  left: string[];
}

/** The recipe's extra part for a timeline whose user left out `left`. */
export function timelineRecipeExtra(left: string[]): Record<string, unknown> {
  return { left };
}

/** A stored timeline recipe, checked; throws (with the reason) when it no longer fits. */
export function timelineFromRecipe(recipe: PanelRecipe): TimelineRecipe {
  const runDir = recipe.model;
  const options = parseTimelineOptions(recipe.options);
  const outside = options.checkpoints.find((c) => !isInside(runDir, c.path));
  if (outside) throw new Error(`the timeline recipe names ${outside.path}, which is not inside its run folder ${runDir}`);
  const left = recipe.extra?.left;
  if (left !== undefined && !(Array.isArray(left) && left.every((p) => typeof p === 'string')))
    throw new Error('the timeline recipe’s left-out checkpoints are not a list of paths');
  return { runDir, options, left: (left as string[] | undefined) ?? [] };
}

function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel.length > 0 && !rel.startsWith('..') && !path.isAbsolute(rel);
}
