/**
 * A model folder shown in the model editor. Folders cannot be custom-editor documents, so they get
 * a webview panel of their own (one per folder: opening it again reveals it). Each keeps a recipe
 * (panels/panelRecipes.ts) so that a window reload brings it back, reading the folder's header
 * summary again (a header read, not an analysis).
 */
import * as vscode from 'vscode';
import type { LayerLensContext } from '../context';
import { newRestoreId } from '../panels/panelRecipes';
import { webviewOptions } from '../panels/webviewHtml';
import { parseRestoreId } from '../../protocol/panel';
import { MODEL_FOLDER_VIEW_TYPE, trackModelView } from './activeModel';
import { modelDisplayName } from '../views/modelsTree';
import { ModelView } from './modelView';

const open = new Map<string, ModelView>();
const RECIPE_KIND = 'modelFolder';

export function showModelFolder(ctx: LayerLensContext, folder: string): ModelView {
  const existing = open.get(folder);
  if (existing) {
    existing.panel.reveal();
    return existing;
  }
  const panel = vscode.window.createWebviewPanel(MODEL_FOLDER_VIEW_TYPE, modelDisplayName(folder), vscode.ViewColumn.Active, webviewOptions(ctx.mediaRoot));
  return attach(ctx, panel, folder, newRestoreId());
}

function attach(ctx: LayerLensContext, panel: vscode.WebviewPanel, folder: string, restoreId: string): ModelView {
  void ctx.panelRecipes.put(restoreId, { panel: RECIPE_KIND, model: folder, options: null });
  const view = new ModelView(ctx, panel, folder, restoreId);
  const tracked = trackModelView(view);
  open.set(folder, view);
  panel.onDidDispose(() => {
    open.delete(folder);
    tracked.dispose();
    view.dispose();
  });
  return view;
}

/** Restores model-folder panels after a window reload; one whose recipe is gone, or a folder already shown, closes. */
export function registerModelFolderSerializer(ctx: LayerLensContext): void {
  ctx.track(
    vscode.window.registerWebviewPanelSerializer(MODEL_FOLDER_VIEW_TYPE, {
      deserializeWebviewPanel(panel, state) {
        const id = parseRestoreId(state);
        const recipe = id ? ctx.panelRecipes.get(id) : undefined;
        if (!id || !recipe || recipe.panel !== RECIPE_KIND || open.has(recipe.model)) {
          ctx.log.info('a model-folder panel was not restored: its recipe is gone or the folder is already shown');
          panel.dispose();
          return Promise.resolve();
        }
        panel.webview.options = webviewOptions(ctx.mediaRoot);
        attach(ctx, panel, recipe.model, id);
        return Promise.resolve();
      },
    }),
  );
}
