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
import { openSampleModel } from './openSampleModel';
import { clearCachedResults } from './clearCache';
import { errorActions } from './errorActions';

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
  openSampleModel,
  clearCachedResults,
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
          const actions = errorActions(message);
          void vscode.window.showErrorMessage(`Layer Lens: ${message}`, ...actions.map((a) => a.label)).then(async (picked) => {
            const action = actions.find((a) => a.label === picked);
            if (action?.kind === 'retry') await vscode.commands.executeCommand(c.id, ...args);
            else if (action) await vscode.commands.executeCommand(...action.command);
          });
          return undefined;
        }
      }),
    );
  }
}
