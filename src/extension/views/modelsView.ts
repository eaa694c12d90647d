/**
 * The "Models" view in the Explorer: the workspace's model folders and the models downloaded into
 * the Hugging Face cache (analysis/model/hfCache.ts), laid out by modelsTree.ts. A click opens the
 * model editor through "Open Model Folder". The view lists again when the workspace's model folders
 * change, when a snapshot appears in or leaves the cache, and on its Refresh button.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { hubCacheDir, listCachedModels } from '../../analysis/model/hfCache';
import type { LayerLensContext } from '../context';
import type { ModelFolderTracker } from '../editor/modelFolders';
import { modelsTree, type ModelsIcon, type ModelsNode } from './modelsTree';

export const MODELS_VIEW_ID = 'layerLens.models';
export const REFRESH_MODELS_COMMAND = 'layerLens.refreshModels';
const REFRESH_DEBOUNCE_MS = 1000;

const ICONS: Record<ModelsIcon, string> = {
  workspace: 'root-folder',
  cache: 'database',
  folder: 'layers',
  repo: 'package',
  snapshot: 'git-commit',
  info: 'info',
};

export class ModelsProvider implements vscode.TreeDataProvider<ModelsNode>, vscode.Disposable {
  private tree: Promise<ModelsNode[]> | undefined;
  private readonly emitter = new vscode.EventEmitter<ModelsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(
    private readonly tracker: ModelFolderTracker,
    private readonly log: vscode.LogOutputChannel,
    readonly cacheDir: string = hubCacheDir(),
  ) {}

  /** Forgets the listing; the tree asks again. */
  refresh(): void {
    this.tree = undefined;
    this.emitter.fire(undefined);
  }

  /** The top-level nodes (listed once per refresh). */
  roots(): Promise<ModelsNode[]> {
    this.tree ??= listCachedModels(this.cacheDir)
      .catch((err: unknown) => {
        this.log.warn(`Models view: could not list the Hugging Face cache ${this.cacheDir}: ${err instanceof Error ? err.message : String(err)}`);
        return [];
      })
      .then((cached) =>
        modelsTree({
          workspaceFolders: this.tracker.list(),
          workspaceRoots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
          cacheDir: this.cacheDir,
          cached,
          home: homedir(),
        }),
      );
    return this.tree;
  }

  getTreeItem(node: ModelsNode): vscode.TreeItem {
    const state = node.children
      ? node.icon === 'workspace' || node.icon === 'cache'
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.iconPath = new vscode.ThemeIcon(ICONS[node.icon]);
    if (node.open) {
      item.contextValue = 'layerLens.modelEntry';
      item.command = { command: 'layerLens.openModelFolder', title: 'Open Model', arguments: [vscode.Uri.file(node.open)] };
    }
    return item;
  }

  async getChildren(node?: ModelsNode): Promise<ModelsNode[]> {
    return node ? (node.children ?? []) : this.roots();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** Registers the view, its Refresh command and what keeps it current. */
export function registerModelsView(ctx: LayerLensContext, tracker: ModelFolderTracker): ModelsProvider {
  const provider = new ModelsProvider(tracker, ctx.log);
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => provider.refresh(), REFRESH_DEBOUNCE_MS);
  };
  // Snapshots appear as `models--org--name/snapshots/<revision>` (hfCache.ts); shallow, so cheap to watch.
  const cacheWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(provider.cacheDir), '*/snapshots/*'));
  ctx.track(
    provider,
    vscode.window.createTreeView(MODELS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }),
    vscode.commands.registerCommand(REFRESH_MODELS_COMMAND, () => provider.refresh()),
    tracker.onDidChange(later),
    cacheWatcher,
    cacheWatcher.onDidCreate(later),
    cacheWatcher.onDidDelete(later),
    { dispose: () => clearTimeout(timer) },
  );
  return provider;
}
