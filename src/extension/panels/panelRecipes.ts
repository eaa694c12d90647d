/**
 * What the host keeps so that an analysis panel can come back after a window reload: per panel a
 * recipe (its kind, the model, the options of its last run and the few host-only values its kind
 * needs, e.g. a prompt file), under a random id that the panel's webview keeps in its state. The
 * recipes live in the workspace's storage, newest first, at most MAX_RECIPES of them; no recipe is
 * removed when its panel closes, because VS Code may close panels while it shuts down and restore
 * them at the next start.
 */
import { randomBytes } from 'node:crypto';

/** A panel's kind, model and options, and what else its kind needs to reopen it (JSON only). */
export interface PanelRecipe {
  panel: string;
  model: string;
  options: unknown;
  extra?: Record<string, unknown>;
}

/** The part of vscode.Memento the store uses (so that this module needs no vscode). */
export interface RecipeMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

const KEY = 'layerLens.panelRecipes';
export const MAX_RECIPES = 64;

type Stored = [id: string, recipe: PanelRecipe][];

export function newRestoreId(): string {
  return randomBytes(12).toString('base64url');
}

export class PanelRecipes {
  constructor(private readonly memento: RecipeMemento) {}

  private all(): Stored {
    const v = this.memento.get<unknown>(KEY);
    return Array.isArray(v) ? (v.filter((e) => Array.isArray(e) && typeof e[0] === 'string' && isRecipe(e[1])) as Stored) : [];
  }

  get(id: string): PanelRecipe | undefined {
    return this.all().find(([k]) => k === id)?.[1];
  }

  /** Saves (or replaces) the recipe under `id` as the newest; the oldest beyond MAX_RECIPES go. */
  async put(id: string, recipe: PanelRecipe): Promise<void> {
    const rest = this.all().filter(([k]) => k !== id);
    await this.memento.update(KEY, [[id, recipe], ...rest].slice(0, MAX_RECIPES));
  }
}

export function isRecipe(v: unknown): v is PanelRecipe {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.panel === 'string' &&
    typeof r.model === 'string' &&
    r.model.length > 0 &&
    (r.extra === undefined || (typeof r.extra === 'object' && r.extra !== null && !Array.isArray(r.extra)))
  );
}
