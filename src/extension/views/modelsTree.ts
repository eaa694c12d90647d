/**
 * What the Models view shows, as plain data (no vscode import, so it is unit-tested as is): the
 * workspace's model folders, then the Hugging Face cache's models (one entry per repository; one
 * per snapshot when a repository holds several). Every entry that can be opened carries the folder
 * to open; modelsView.ts turns the nodes into tree items whose click opens the model editor. Also
 * the title a model is shown under (modelDisplayName).
 */
import * as path from 'node:path';
import { cacheLocationOf, type CachedModel, type CachedSnapshot } from '../../analysis/model/hfCache';

export type ModelsIcon = 'workspace' | 'cache' | 'folder' | 'repo' | 'snapshot' | 'info';

export interface ModelsNode {
  /** Stable across refreshes, so the tree keeps its expansion state. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon: ModelsIcon;
  /** The model folder a click opens. */
  open?: string;
  children?: ModelsNode[];
}

export interface ModelsTreeInput {
  /** Model folders found in the workspace (ModelFolderTracker). */
  workspaceFolders: readonly string[];
  /** The workspace's root folders, to show where each model folder is. */
  workspaceRoots: readonly string[];
  /** The hub cache folder (hfCache.ts hubCacheDir). */
  cacheDir: string;
  /** Its models (hfCache.ts listCachedModels). */
  cached: readonly CachedModel[];
  home?: string;
}

const shortRev = (rev: string) => rev.slice(0, 7);

function tilde(p: string, home?: string): string {
  return home && (p === home || p.startsWith(home + path.sep)) ? '~' + p.slice(home.length) : p;
}

function snapshotText(s: CachedSnapshot): { label: string; description: string } {
  const files = `${s.weightFiles} file${s.weightFiles === 1 ? '' : 's'}`;
  return s.refs.length ? { label: s.refs.join(', '), description: `${shortRev(s.revision)} · ${files}` } : { label: shortRev(s.revision), description: files };
}

function workspaceNode(input: ModelsTreeInput): ModelsNode {
  const children: ModelsNode[] = input.workspaceFolders.map((folder) => {
    const root = input.workspaceRoots.find((r) => folder === r || folder.startsWith(r + path.sep));
    const where = root ? path.relative(root, path.dirname(folder)) : path.dirname(folder);
    return { id: `ws:${folder}`, label: path.basename(folder), description: where || undefined, tooltip: folder, icon: 'folder', open: folder };
  });
  if (children.length === 0)
    children.push({
      id: 'ws:none',
      label: 'No model folders',
      tooltip: 'A model folder holds config.json and .safetensors weights (or model.safetensors.index.json).',
      icon: 'info',
    });
  return { id: 'ws', label: 'Workspace', icon: 'workspace', children };
}

function cacheNode(input: ModelsTreeInput): ModelsNode {
  const where = tilde(input.cacheDir, input.home);
  const children: ModelsNode[] = input.cached.map((repo) => {
    const base = { id: `hf:${repo.repoId}`, label: repo.repoId, icon: 'repo' as const };
    if (repo.snapshots.length === 1) {
      const s = repo.snapshots[0];
      const text = snapshotText(s);
      return { ...base, description: s.refs.length ? `${text.label} · ${text.description}` : text.description, tooltip: s.path, open: s.path };
    }
    return {
      ...base,
      description: `${repo.snapshots.length} revisions`,
      tooltip: repo.folder,
      children: repo.snapshots.map((s) => ({
        id: `hf:${repo.repoId}@${s.revision}`,
        ...snapshotText(s),
        tooltip: s.path,
        icon: 'snapshot' as const,
        open: s.path,
      })),
    };
  });
  if (children.length === 0) {
    children.push({
      id: 'hf:none',
      label: 'No models in the cache',
      description: where,
      tooltip: `No model with config.json and .safetensors weights under ${input.cacheDir}. Layer Lens looks where huggingface_hub stores downloads: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub.`,
      icon: 'info',
    });
  }
  return { id: 'hf', label: 'Hugging Face cache', description: where, tooltip: input.cacheDir, icon: 'cache', children };
}

/** The two sections of the view, each with its entries. */
export function modelsTree(input: ModelsTreeInput): ModelsNode[] {
  return [workspaceNode(input), cacheNode(input)];
}

/**
 * The title a model is shown under (editor tab, panel, overview): its file or folder name, except a
 * Hugging Face cache snapshot, whose folder is a commit hash: `org/name @ 1a2b3c4`.
 */
export function modelDisplayName(modelPath: string): string {
  const cached = cacheLocationOf(modelPath);
  return cached && cached.snapshot === path.resolve(modelPath) ? `${cached.repoId} @ ${shortRev(cached.revision)}` : path.basename(modelPath);
}
