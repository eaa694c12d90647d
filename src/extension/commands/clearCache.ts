/**
 * "Layer Lens: Clear Cached Results" — removes every finished result kept on disk (the worker's
 * result caches and the panel results a window reload restores from). Open panels keep what they
 * show; the next run computes again.
 */
import * as vscode from 'vscode';
import { clearCache } from '../../analysis/cache/diskCap';
import { clearPanelSnapshotMemory } from '../../analysis/cache/panelSnapshot';
import type { CommandSpec } from './types';

export const clearCachedResults: CommandSpec = {
  id: 'layerLens.clearCache',
  async run(ctx) {
    const { files, bytes } = await clearCache(ctx.cacheDir);
    clearPanelSnapshotMemory();
    ctx.log.info(`cleared ${files} cached results (${(bytes / (1024 * 1024)).toFixed(1)} MB) from ${ctx.cacheDir}`);
    void vscode.window.showInformationMessage(
      files === 0 ? 'Layer Lens: there were no cached results.' : `Layer Lens: removed ${files} cached results (${(bytes / (1024 * 1024)).toFixed(1)} MB).`,
    );
  },
};
