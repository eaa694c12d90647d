/**
 * Which folders are models (config.json plus safetensors weights), kept in the context key
 * `layerLens.modelFolders` so the explorer offers "Open Model Folder" on exactly those folders,
 * and listed in the Models view (views/modelsView.ts), which listens to `onDidChange`.
 * Found once with findFiles, then kept current by a file watcher.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isModelListing } from '../../analysis/model/hfCache';

export const MODEL_FOLDERS_KEY = 'layerLens.modelFolders';
const SCAN_LIMIT = 5000;

/** A model folder holds config.json and either *.safetensors or a sharded index. */
export async function isModelFolder(dir: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return false;
  }
  return isModelListing(names);
}

export class ModelFolderTracker implements vscode.Disposable {
  private readonly folders = new Set<string>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/{config.json,*.safetensors,model.safetensors.index.json}');
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
    const configs = await vscode.workspace.findFiles('**/config.json', '**/{node_modules,.git}/**', SCAN_LIMIT);
    const checks = await Promise.all(configs.map(async (uri) => [path.dirname(uri.fsPath), await isModelFolder(path.dirname(uri.fsPath))] as const));
    for (const [dir, ok] of checks) if (ok) this.folders.add(dir);
    this.publish();
  }

  private recheck(dir: string): void {
    // Many files change at once while a checkpoint is written: check each folder once per burst.
    this.pending.add(dir);
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      const dirs = [...this.pending];
      this.pending = new Set();
      for (const d of dirs) {
        if (await isModelFolder(d)) this.folders.add(d);
        else this.folders.delete(d);
      }
      this.publish();
    }, 300);
  }

  private publish(): void {
    // `resourcePath in layerLens.modelFolders` compares against the explorer item's path.
    const paths = new Set<string>();
    for (const f of this.folders) {
      paths.add(f);
      paths.add(vscode.Uri.file(f).path);
    }
    void vscode.commands.executeCommand('setContext', MODEL_FOLDERS_KEY, [...paths]);
    this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
    for (const s of this.subs) s.dispose();
  }
}
