/**
 * "Layer Lens: Compare with…" (explorer right-click on a .safetensors file or model folder, the
 * model editor's title bar, the palette): the clicked or active model is A, and B is picked from
 * the workspace's models or a file dialog. "Layer Lens: Compare Selected Models" (explorer, two
 * items selected): VS Code passes (clicked uri, all selected uris), the first selected is A.
 * Either opens the checkpoint-diff panel.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffOptions, DiffResult } from '../../analysis/methods/diff/diff';
import { diffCsv } from '../../analysis/methods/diff/csv';
import { parseDiffOptions } from '../../analysis/methods/diff/options';
import type { LayerLensContext } from '../context';
import { checkModelUri, resolveModelTarget } from '../editor/activeModel';
import { isModelFolder } from '../editor/modelFolders';
import { AnalysisPanel, type AnalysisPanelSpec } from '../panels/analysisPanel';
import type { CommandSpec } from './types';
import { requireTrustedWorkspace } from './analysisCommand';
import { isModelFile, MODEL_FILE_FILTERS, MODEL_FILE_GLOB } from '../../analysis/io/modelFileKinds';

function requireTrust(): void {
  requireTrustedWorkspace('checkpoint diffs need');
}

/** Opens the diff panel of B against A. */
export function openDiffPanel(ctx: LayerLensContext, pathA: string, pathB: string): AnalysisPanel<DiffOptions, DiffResult> {
  if (path.resolve(pathA) === path.resolve(pathB)) throw new Error(`pick two different models to compare (both are ${pathA}).`);
  return AnalysisPanel.open(ctx, diffPanel(ctx, pathA, pathB));
}

/** The checkpoint-diff panel of B against A; A is kept in its recipe to reopen it after a reload. */
export function diffPanel(ctx: LayerLensContext, pathA: string, pathB: string, options: DiffOptions = {}): AnalysisPanelSpec<DiffOptions, DiffResult> {
  return {
    panel: 'diff',
    title: `Checkpoint diff vs ${path.basename(pathA)}`,
    model: pathB,
    alsoWatch: [pathA],
    options,
    parseOptions: parseDiffOptions,
    run: (options, job) => ctx.worker.request('diff/run', { pathA, pathB, ...options, ...job.cache }, job),
    toCsv: diffCsv,
    reopen: { pathA },
  };
}

/** Model folders and lone .safetensors files of the workspace, other than `exclude`. */
async function workspaceModels(exclude: string): Promise<string[]> {
  const skip = '**/{node_modules,.git}/**';
  const [configs, files] = await Promise.all([
    vscode.workspace.findFiles('**/{config.json,adapter_config.json}', skip, 2000),
    vscode.workspace.findFiles(`**/${MODEL_FILE_GLOB}`, skip, 2000),
  ]);
  const folders = new Set<string>();
  for (const c of configs) if (await isModelFolder(path.dirname(c.fsPath))) folders.add(path.dirname(c.fsPath));
  // A file inside a model folder is that model: list the folder once, not each shard.
  const lone = files.map((f) => f.fsPath).filter((f) => !folders.has(path.dirname(f)));
  const a = path.resolve(exclude);
  const aFolder = isModelFile(exclude) ? path.dirname(a) : a;
  return [...folders, ...lone].filter((p) => p !== a && p !== aFolder).sort();
}

async function pickSecondModel(pathA: string): Promise<string | undefined> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const browse = '$(folder-opened) Browse…';
  const items: vscode.QuickPickItem[] = (await workspaceModels(pathA)).map((p) => ({
    label: path.basename(p),
    description: root ? path.relative(root, path.dirname(p)) || '.' : path.dirname(p),
    detail: p,
  }));
  items.push({ label: browse, description: 'a .safetensors or .gguf file or a model folder anywhere' });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Layer Lens: compare ${path.basename(pathA)} with…`,
    placeHolder: 'the model to compare with (B)',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.label !== browse) return picked.detail;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Compare',
    title: 'Layer Lens: the model to compare with',
    filters: MODEL_FILE_FILTERS,
  });
  return chosen?.[0] ? checkModelUri(chosen[0]) : undefined;
}

function selectedUris(arg: unknown, all: unknown): vscode.Uri[] {
  const list = Array.isArray(all) ? all.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
  if (list.length) return list;
  return arg instanceof vscode.Uri ? [arg] : [];
}

export const compareWith: CommandSpec = {
  id: 'layerLens.compareWith',
  async run(ctx, arg?: unknown, all?: unknown) {
    requireTrust();
    const selection = selectedUris(arg, all);
    if (selection.length === 2) {
      openDiffPanel(ctx, await checkModelUri(selection[0]), await checkModelUri(selection[1]));
      return;
    }
    const pathA = await resolveModelTarget(ctx, arg);
    if (!pathA) return;
    const pathB = await pickSecondModel(pathA);
    if (pathB) openDiffPanel(ctx, pathA, pathB);
  },
};

export const compareSelected: CommandSpec = {
  id: 'layerLens.compareSelected',
  async run(ctx, arg?: unknown, all?: unknown) {
    requireTrust();
    const selection = selectedUris(arg, all);
    if (selection.length !== 2) throw new Error(`select exactly two models in the explorer to compare them (${selection.length} selected).`);
    openDiffPanel(ctx, await checkModelUri(selection[0]), await checkModelUri(selection[1]));
  },
};
