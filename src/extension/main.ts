/**
 * Extension entry: wires the context (settings, worker, status bar), the model editor, the model
 * folder tracker, the Models view, the commands and the serializers that restore panels after a reload. Nothing else happens here; every piece registers its own
 * disposables with the context.
 */
import type * as vscode from 'vscode';
import { registerCommands } from './commands/index';
import { LayerLensContext } from './context';
import { ModelEditorProvider } from './editor/modelEditorProvider';
import { ModelFolderTracker } from './editor/modelFolders';
import { reopenSafetensorsTextTabs } from './editor/reopenInModelEditor';
import { registerModelsView } from './views/modelsView';
import { panelReopeners } from './commands/panelKinds';
import { registerPanelSerializers } from './panels/panelSerializer';
import { registerModelFolderSerializer } from './editor/modelFolderPanel';

export function activate(extension: vscode.ExtensionContext): LayerLensContext {
  const ctx = new LayerLensContext(extension);
  const modelFolders = new ModelFolderTracker();
  ctx.track(ModelEditorProvider.register(ctx), modelFolders);
  registerModelsView(ctx, modelFolders);
  registerCommands(ctx);
  // Panels open before a window reload come back with their results (no run) or their options.
  registerPanelSerializers(ctx, panelReopeners);
  registerModelFolderSerializer(ctx);
  void ctx.enforceCacheCap();
  ctx.track(reopenSafetensorsTextTabs(ctx.log));
  // Returned as the extension's API so extension-host tests can reach the worker and panels.
  return ctx;
}

/** The worker and every other disposable are in extension.subscriptions; VS Code disposes them. */
export function deactivate(): void {}
