/**
 * Which model to run a prompt through when the command starts from a text editor (no model in
 * view): a quick pick of the models open in Layer Lens editors, the model folders of the
 * workspace, the bundled sample model, or one chosen in a file dialog.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LayerLensContext } from '../context';
import { activeModelPath, checkModelUri, MODEL_EDITOR_VIEW_TYPE } from '../editor/activeModel';
import { isModelFolder } from '../editor/modelFolders';
import { MODEL_FILE_FILTERS } from '../../analysis/io/modelFileKinds';

interface ModelItem extends vscode.QuickPickItem {
  modelPath?: string;
  browse?: boolean;
}

async function workspaceModelFolders(): Promise<string[]> {
  const configs = await vscode.workspace.findFiles('**/config.json', '**/{node_modules,.git}/**', 500);
  const dirs = [...new Set(configs.map((u) => path.dirname(u.fsPath)))];
  const ok = await Promise.all(dirs.map(async (d) => ((await isModelFolder(d)) ? d : undefined)));
  return ok.filter((d): d is string => d !== undefined).sort();
}

export async function pickRunnableModel(ctx: LayerLensContext, title: string): Promise<string | undefined> {
  const seen = new Set<string>();
  const items: ModelItem[] = [];
  const add = (p: string, description: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    items.push({ label: path.basename(p), description, detail: p, modelPath: p });
  };
  const active = activeModelPath();
  if (active) add(active, 'active model');
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputCustom && tab.input.viewType === MODEL_EDITOR_VIEW_TYPE) add(tab.input.uri.fsPath, 'open');
    }
  }
  for (const dir of await workspaceModelFolders()) add(dir, 'workspace model');
  add(vscode.Uri.joinPath(ctx.extensionUri, 'media', 'sample-model').fsPath, 'bundled sample model');
  items.push({ label: '$(folder-opened) Browse…', browse: true });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Which model should run the prompt?', matchOnDetail: true });
  if (!picked) return undefined;
  if (!picked.browse) return picked.modelPath;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Run',
    title: 'Layer Lens: choose a model folder, .safetensors or .gguf file',
    filters: MODEL_FILE_FILTERS,
  });
  return chosen?.[0] ? checkModelUri(chosen[0]) : undefined;
}
