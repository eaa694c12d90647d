import * as vscode from 'vscode';
import type { CommandSpec } from './types';

/** Stops the worker (cancelling its jobs); the next request starts a fresh one with current settings. */
export const restartWorker: CommandSpec = {
  id: 'layerLens.restartWorker',
  run: (ctx) => {
    ctx.worker.restart();
    void vscode.window.setStatusBarMessage('Layer Lens: worker stopped; it restarts on the next analysis', 4000);
  },
};
