/**
 * A model folder shown in the model editor. Folders cannot be custom-editor documents, so they get
 * a webview panel of their own (one per folder: opening it again reveals it).
 */
import * as vscode from 'vscode';
import type { LayerLensContext } from '../context';
import { webviewOptions } from '../panels/webviewHtml';
import { MODEL_FOLDER_VIEW_TYPE, trackModelView } from './activeModel';
import { modelDisplayName } from '../views/modelsTree';
import { ModelView } from './modelView';

const open = new Map<string, ModelView>();

export function showModelFolder(ctx: LayerLensContext, folder: string): ModelView {
  const existing = open.get(folder);
  if (existing) {
    existing.panel.reveal();
    return existing;
  }
  const panel = vscode.window.createWebviewPanel(MODEL_FOLDER_VIEW_TYPE, modelDisplayName(folder), vscode.ViewColumn.Active, webviewOptions(ctx.mediaRoot));
  const view = new ModelView(ctx, panel, folder);
  const tracked = trackModelView(view);
  open.set(folder, view);
  panel.onDidDispose(() => {
    open.delete(folder);
    tracked.dispose();
    view.dispose();
  });
  return view;
}
