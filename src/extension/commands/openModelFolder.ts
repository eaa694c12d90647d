import * as vscode from 'vscode';
import { checkModelUri } from '../editor/activeModel';
import { showModelFolder } from '../editor/modelFolderPanel';
import type { CommandSpec } from './types';
import { isModelFile } from '../../analysis/io/modelFileKinds';

/** "Layer Lens: Open Model Folder" — from the explorer (a folder with config.json) or the palette. */
export const openModelFolder: CommandSpec = {
  id: 'layerLens.openModelFolder',
  async run(ctx, arg?: unknown) {
    let uri = arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Open Model',
        title: 'Layer Lens: choose a model folder (config.json + .safetensors)',
      });
      uri = picked?.[0];
      if (!uri) return;
    }
    const folder = await checkModelUri(uri);
    if (!isModelFile(folder)) return showModelFolder(ctx, folder);
    // A file was chosen: it has its own editor.
    await vscode.commands.executeCommand('vscode.openWith', uri, 'layerLens.modelEditor');
    return undefined;
  },
};
