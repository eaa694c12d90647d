import * as vscode from 'vscode';
import { checkModelUri, MODEL_EDITOR_VIEW_TYPE } from '../editor/activeModel';
import type { CommandSpec } from './types';
import { MODEL_FILE_FILTERS } from '../../analysis/io/modelFileKinds';

/** "Layer Lens: Open Safetensors File" — opens a file in the model editor (e.g. from outside the workspace). */
export const openModelFile: CommandSpec = {
  id: 'layerLens.openModelFile',
  async run(_ctx, arg?: unknown) {
    let uri = arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        filters: MODEL_FILE_FILTERS,
        openLabel: 'Open',
        title: 'Layer Lens: choose a .safetensors or .gguf file',
      });
      uri = picked?.[0];
      if (!uri) return;
    }
    await checkModelUri(uri);
    await vscode.commands.executeCommand('vscode.openWith', uri, MODEL_EDITOR_VIEW_TYPE);
  },
};
