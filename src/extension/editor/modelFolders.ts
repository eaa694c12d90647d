/**
 * Which folders are models (config.json plus safetensors weights, or a PEFT adapter:
 * adapter_config.json plus adapter_model.safetensors), kept in the context key
 * `layerLens.modelFolders` so the explorer offers "Open Model Folder" and the analyses on exactly
 * those folders (adapters also in `layerLens.adapterFolders`, for "Analyze LoRA Adapter"), and
 * listed in the Models view (views/modelsView.ts), which listens to `onDidChange`.
 * Found once with findFiles, then kept current by a file watcher.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isAdapterListing, isModelListing } from '../../analysis/model/hfCache';

export const MODEL_FOLDERS_KEY = 'layerLens.modelFolders';
export const ADAPTER_FOLDERS_KEY = 'layerLens.adapterFolders';
const SCAN_LIMIT = 5000;

async function listing(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch {
    return null;
  }
}

/** A model folder holds config.json and either *.safetensors or a sharded index, or is a PEFT adapter (opened as its ΔW). */
export async function isModelFolder(dir: string): Promise<boolean> {
  const names = await listing(dir);
  return names !== null && (isModelListing(names) || isAdapterListing(names));
}

export class ModelFolderTracker implements vscode.Disposable {
  private readonly folders = new Set<string>();
  private readonly adapters = new Set<string>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/{config.json,adapter_config.json,*.safetensors,model.safetensors.index.json}');
  private readonly subs: vscode.Disposable[] = [];
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires whenever the set of model folders may have changed. */
  readonly onDidChange = this.changed.event;

  constructor() {
    const touched = (uri: vscode.Uri) => this.recheck(path.dirname(uri.fsPath));
    this.subs.push(this.watcher, this.watcher.onDidCreate(touched), this.watcher.onDidDelete(touched));
    void this.scan();
  }

  has(dir: string): boolean {
    return this.folders.has(dir);
  }

  /** The workspace's model folders, sorted. */
  list(): string[] {
    return [...this.folders].sort();
  }

  private async scan(): Promise<void> {
    if (!vscode.workspace.workspaceFolders?.length) return this.publish();
    const configs = await vscode.workspace.findFiles('**/{config.json,adapter_config.json}', '**/{node_modules,.git}/**', SCAN_LIMIT);
    for (const dir of new Set(configs.map((uri) => path.dirname(uri.fsPath)))) await this.classify(dir);
    this.publish();
  }

  private recheck(dir: string): void {
    // Many files change at once while a checkpoint is written: check each folder once per burst.
    this.pending.add(dir);
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      const dirs = [...this.pending];
      this.pending = new Set();
      for (const d of dirs) await this.classify(d);
      this.publish();
    }, 300);
  }

  /** Files one folder's membership of the model and adapter sets on its listing now. */
  private async classify(dir: string): Promise<void> {
    const names = await listing(dir);
    const adapter = names !== null && isAdapterListing(names);
    if (names !== null && (isModelListing(names) || adapter)) this.folders.add(dir);
    else this.folders.delete(dir);
    if (adapter) this.adapters.add(dir);
    else this.adapters.delete(dir);
  }

  private publish(): void {
    // `resourcePath in layerLens.modelFolders` compares against the explorer item's path.
    const keyPaths = (set: Set<string>) => [...set].flatMap((f) => [f, vscode.Uri.file(f).path]);
    void vscode.commands.executeCommand('setContext', MODEL_FOLDERS_KEY, [...new Set(keyPaths(this.folders))]);
    void vscode.commands.executeCommand('setContext', ADAPTER_FOLDERS_KEY, [...new Set(keyPaths(this.adapters))]);
    this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
    for (const s of this.subs) s.dispose();
  }
}
