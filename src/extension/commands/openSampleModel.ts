/**
 * "Layer Lens: Open Sample Model" — the small model bundled with the extension (media/sample-model:
 * a Llama-style decoder with config.json, safetensors weights and a tokenizer), opened in the model
 * editor, so that every analysis can be tried without a download. The walkthrough starts here.
 */
import * as vscode from 'vscode';
import { showModelFolder } from '../editor/modelFolderPanel';
import type { CommandSpec } from './types';

export const openSampleModel: CommandSpec = {
  id: 'layerLens.openSampleModel',
  run(ctx) {
    return showModelFolder(ctx, vscode.Uri.joinPath(ctx.mediaRoot, 'sample-model').fsPath);
  },
};
