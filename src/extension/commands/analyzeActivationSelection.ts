import * as vscode from 'vscode';
import { DEFAULT_ACTIVATION_OPTIONS } from '../../analysis/methods/activation/options';
import { openActivationPanel } from './analyzeActivation';
import { pickRunnableModel } from './pickRunnableModel';
import type { CommandSpec } from './types';
import { requireTrustedWorkspace } from './analysisCommand';

/**
 * "Layer Lens: Analyze Activation for Selection" (editor context menu) — runs the selected text
 * through a model the user picks, beside a few built-in prompts of each domain so that the panel
 * can show how the selection's activation pattern compares with them.
 */
export const analyzeActivationSelection: CommandSpec = {
  id: 'layerLens.analyzeActivationSelection',
  async run(ctx) {
    requireTrustedWorkspace('parameter activation needs');
    const editor = vscode.window.activeTextEditor;
    const text = editor ? editor.document.getText(editor.selection) : '';
    if (!text.trim()) throw new Error('select some text in an editor first: it becomes the prompt.');
    const model = await pickRunnableModel(ctx, 'Layer Lens: analyze activation for the selection');
    if (!model) return;
    openActivationPanel(ctx, model, { ...DEFAULT_ACTIVATION_OPTIONS, useSelection: true, perDomain: 3 }, { selection: text }, 'Activation for selection');
  },
};
