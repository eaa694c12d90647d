/**
 * Every command of the extension. To add one: write `commands/<name>.ts` exporting a CommandSpec,
 * add one line below, and declare it in package.json (contributes.commands and menus).
 */
import * as vscode from 'vscode';
import type { LayerLensContext } from '../context';
import type { CommandSpec } from './types';
import { openModelFolder } from './openModelFolder';
import { openModelFile } from './openModelFile';
import { restartWorker } from './restartWorker';
import { showWorkerLog } from './showWorkerLog';
import { analyzeSpectra } from './analyzeSpectra';
import { analyzeSimilarity } from './analyzeSimilarity';
import { analyzeCorrelations } from './analyzeCorrelations';
import { analyzeActivation } from './analyzeActivation';
import { analyzeActivationSelection } from './analyzeActivationSelection';
import { analyzePersistence } from './analyzePersistence';
import { analyzeExperts } from './analyzeExperts';
import { analyzeAdapter } from './analyzeAdapter';
import { compareSelected, compareWith } from './compareModels';
import { showTimeline } from './timeline';

export const commands: CommandSpec[] = [
  openModelFolder,
  openModelFile,
  restartWorker,
  showWorkerLog,
  analyzeSpectra,
  analyzeSimilarity,
  analyzeCorrelations,
  analyzeActivation,
  analyzeActivationSelection,
  analyzePersistence,
  analyzeExperts,
  analyzeAdapter,
  compareWith,
  compareSelected,
  showTimeline,
];

export function registerCommands(ctx: LayerLensContext): void {
  for (const c of commands) {
    ctx.track(
      vscode.commands.registerCommand(c.id, async (...args: unknown[]) => {
        try {
          return await c.run(ctx, ...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          ctx.log.error(`${c.id} failed: ${message}`);
          void vscode.window.showErrorMessage(`Layer Lens: ${message}`);
          return undefined;
        }
      }),
    );
  }
}
