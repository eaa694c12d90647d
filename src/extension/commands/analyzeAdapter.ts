/**
 * "Layer Lens: Analyze LoRA Adapter": the adapter folder (Explorer item or a pick), its base model
 * (adapter_config.json's base_model_name_or_path found beside the adapter, in a workspace folder or
 * in the Hugging Face cache; otherwise the user picks one or goes on without it), then the adapter
 * panel. The base path is fixed here, on the host: options a panel sends for a re-run never choose it.
 * The panel survives a window reload with the same base (its recipe keeps it).
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { AdapterResult } from '../../analysis/methods/adapter/adapter';
import { adapterCsv } from '../../analysis/methods/adapter/csv';
import { parseAdapterOptions, type AdapterOptions } from '../../analysis/methods/adapter/options';
import { findAdapterBase, isAdapterFolder } from '../../analysis/model/adapter/findBase';
import type { LayerLensContext } from '../context';
import { openAnalysisPanel, requireTrustedWorkspace, type AnalysisPanelOf } from './analysisCommand';
import type { CommandSpec } from './types';

/** The base to compare with: found, picked, `null` to go on without one, or undefined when the user cancelled. */
async function chooseBase(adapter: string): Promise<string | null | undefined> {
  const searchFolders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const { name, found } = await findAdapterBase(adapter, { searchFolders });
  if (found) return found.path;
  type Item = vscode.QuickPickItem & { choice: 'browse' | 'none' };
  const items: Item[] = [
    { label: '$(folder-opened) Choose the base model…', detail: 'A model folder or .safetensors file', choice: 'browse' },
    { label: '$(circle-slash) Without the base', detail: 'Measure the update ΔW alone (no comparison with W)', choice: 'none' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: name ? `Base model '${name}' was not found on this machine` : 'adapter_config.json names no base model',
    placeHolder: 'Compare the adapter’s updates with which base model?',
  });
  if (!picked) return undefined;
  if (picked.choice === 'none') return null;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Use as base',
    title: 'Layer Lens: choose the base model of the adapter',
    filters: { Safetensors: ['safetensors'] },
  });
  return chosen?.[0]?.fsPath;
}

/** The adapter folder: the Explorer's item (the folder or one of its two files), else a folder pick. An adapter folder has no config.json, so the model-folder check does not apply. */
async function adapterTarget(arg: unknown): Promise<string | undefined> {
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Analyse',
      title: 'Layer Lens: choose a LoRA adapter folder (adapter_config.json + adapter_model.safetensors)',
    });
    uri = picked?.[0];
  }
  if (!uri) return undefined;
  if (uri.scheme !== 'file') throw new Error(`Layer Lens reads local files only, not ${uri.scheme}: URIs.`);
  // The Explorer offers the command on adapter_config.json and adapter_model.safetensors: their folder is the adapter.
  const folder = (await stat(uri.fsPath).catch(() => undefined))?.isFile() ? dirname(uri.fsPath) : uri.fsPath;
  if (!(await isAdapterFolder(folder))) throw new Error(`${folder} is not a LoRA adapter folder: it has no adapter_config.json.`);
  return folder;
}

/**
 * The adapter panel with its base fixed by the host: `fixed` is also kept in the panel's recipe
 * (never the options a panel sends, which cannot choose the base), so that the panel comes back
 * after a window reload with the same base.
 */
export function adapterPanel(fixed: AdapterOptions): AnalysisPanelOf<AdapterOptions, AdapterResult> {
  return {
    analysis: 'adapter',
    panel: 'adapter',
    title: 'LoRA adapter',
    options: fixed,
    parseOptions: parseAdapterOptions,
    toCsv: adapterCsv,
    toRunParams: () => fixed,
    reopen: { ...fixed },
  };
}

async function openAdapterPanel(ctx: LayerLensContext, adapter: string): Promise<void> {
  const base = await chooseBase(adapter);
  if (base === undefined) return;
  openAnalysisPanel<AdapterOptions, AdapterResult>(ctx, adapter, adapterPanel(base ? { base } : { findBase: false }));
}

export const analyzeAdapter: CommandSpec = {
  id: 'layerLens.analyzeAdapter',
  async run(ctx, ...args: unknown[]) {
    requireTrustedWorkspace('the adapter analysis needs');
    const adapter = await adapterTarget(args[0]);
    if (adapter) await openAdapterPanel(ctx, adapter);
  },
};
