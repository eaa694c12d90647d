/**
 * Brings analysis panels back after a window reload. VS Code keeps an open webview panel whose
 * view type has a registered WebviewPanelSerializer (and an `onWebviewPanel:<viewType>` activation
 * event in package.json) and hands it back with the state its webview saved. The restore decision
 * is restorePlan.ts's: the stored result when the cache holds one for the models as they are now,
 * else the options and a Run button; nothing is computed without the user asking.
 */
import * as vscode from 'vscode';
import { readPanelSnapshot } from '../../analysis/cache/panelSnapshot';
import type { LayerLensContext } from '../context';
import { AnalysisPanel, analysisViewType, type AnalysisPanelSpec } from './analysisPanel';
import type { PanelRecipe } from './panelRecipes';
import { planRestore, snapshotKeyFor } from './restorePlan';

/**
 * What a kind's reopener gives back: the panel spec, or the spec with what to start once the panel
 * exists (the training timeline's folder watcher, which needs the panel to re-run and reveal it).
 */
export type Reopened =
  AnalysisPanelSpec<unknown, unknown> | { spec: AnalysisPanelSpec<unknown, unknown>; started(panel: AnalysisPanel<unknown, unknown>): void };

export function registerPanelSerializers(ctx: LayerLensContext, reopeners: Record<string, (ctx: LayerLensContext, recipe: PanelRecipe) => Reopened>): void {
  for (const [panel, reopen] of Object.entries(reopeners)) {
    ctx.track(
      vscode.window.registerWebviewPanelSerializer(analysisViewType(panel), {
        async deserializeWebviewPanel(webviewPanel, state) {
          const close = (reason: string) => {
            ctx.log.info(`${panel} panel not restored: ${reason}`);
            webviewPanel.dispose();
          };
          const plan = await planRestore(panel, state, {
            recipe: (id) => ctx.panelRecipes.get(id),
            snapshot: (recipe) => readPanelSnapshot(ctx.cacheDir, snapshotKeyFor(recipe)),
          });
          if (plan.action === 'close') return close(plan.reason);
          // The kind's reopener runs the recipe's options through the kind's own validator.
          let reopened: Reopened;
          try {
            reopened = reopen(ctx, plan.recipe);
          } catch (err) {
            return close(err instanceof Error ? err.message : String(err));
          }
          const spec = 'spec' in reopened ? reopened.spec : reopened;
          const revivedPanel = AnalysisPanel.revive(ctx, webviewPanel, spec, {
            restoreId: plan.id,
            snapshot: plan.action === 'result' ? plan.snapshot : undefined,
            notRunMessage: plan.action === 'options' ? plan.message : undefined,
          });
          if ('spec' in reopened) reopened.started(revivedPanel);
          ctx.log.info(`${panel} panel on ${plan.recipe.model} restored ${plan.action === 'result' ? 'with its stored result' : 'without a stored result'}`);
        },
      }),
    );
  }
}
