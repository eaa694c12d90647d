/**
 * Which model a command should act on: the explorer item it was invoked on, else the model shown
 * in the active Layer Lens editor, else one the user picks. Every path returned is a local
 * .safetensors file or a model folder (config.json + weights), checked here.
 */
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { LayerLensContext } from '../context';
import { isModelFolder } from './modelFolders';
import type { ModelView } from './modelView';
import { isModelFile, MODEL_FILE_FILTERS } from '../../analysis/io/modelFileKinds';

export const MODEL_EDITOR_VIEW_TYPE = 'layerLens.modelEditor';
export const MODEL_FOLDER_VIEW_TYPE = 'layerLens.modelFolder';

const views = new Set<ModelView>();
let activeView: ModelView | undefined;

/** Registers a model view so commands can find the model the user is looking at. */
export function trackModelView(view: ModelView): vscode.Disposable {
  views.add(view);
  if (view.panel.active) activeView = view;
  const sub = view.panel.onDidChangeViewState((e) => {
    if (e.webviewPanel.active) activeView = view;
    else if (activeView === view) activeView = undefined;
  });
  return new vscode.Disposable(() => {
    sub.dispose();
    views.delete(view);
    if (activeView === view) activeView = undefined;
  });
}

/** The model of the active Layer Lens editor, if one is focused. */
export function activeModelPath(): string | undefined {
  if (activeView) return activeView.modelPath;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom && input.viewType === MODEL_EDITOR_VIEW_TYPE) return input.uri.fsPath;
  return undefined;
}

/** Throws an Error a user understands unless `uri` is a local model file or model folder. */
export async function checkModelUri(uri: vscode.Uri): Promise<string> {
  if (uri.scheme !== 'file') throw new Error(`Layer Lens reads local files only, not ${uri.scheme}: URIs.`);
  const s = await stat(uri.fsPath).catch(() => undefined);
  if (!s) throw new Error(`${uri.fsPath} does not exist.`);
  if (s.isDirectory()) {
    if (!(await isModelFolder(uri.fsPath))) {
      throw new Error(
        `${uri.fsPath} is not a model folder: it needs a config.json and .safetensors weights (or model.safetensors.index.json), or a LoRA adapter's adapter_config.json and weights.`,
      );
    }
    return uri.fsPath;
  }
  if (!isModelFile(uri.fsPath)) throw new Error(`${uri.fsPath} is not a .safetensors or .gguf file.`);
  return uri.fsPath;
}

export async function resolveModelTarget(_ctx: LayerLensContext, arg?: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return checkModelUri(arg);
  const active = activeModelPath();
  if (active) return active;
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Analyse',
    title: 'Layer Lens: choose a .safetensors or .gguf file, or a model folder',
    filters: MODEL_FILE_FILTERS,
  });
  return picked?.[0] ? checkModelUri(picked[0]) : undefined;
}
