/**
 * Where the base model of a LoRA adapter is on this machine, from adapter_config.json's
 * `base_model_name_or_path` (a local path, or a Hugging Face repository id such as
 * `meta-llama/Llama-3.2-1B`), looked for in this order:
 *  1. the path itself, absolute or relative to the adapter folder;
 *  2. a folder of that name (the whole id, then its last part) beside the adapter folder or in one
 *     of the given search folders (the workspace);
 *  3. the Hugging Face hub cache: the snapshot of that repository id (hfCache.ts; `main` first).
 * Only folders Layer Lens can open as a model (config.json plus safetensors weights) count.
 * When nothing is found the caller asks the user (the extension) or reports it (the command line).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { hubCacheDir, isModelListing, listCachedModels } from '../hfCache';
import { ADAPTER_CONFIG, readAdapterConfig } from './config';

export interface FoundBase {
  path: string;
  /** How it was found, for the user: `path`, `folder`, `cache`. */
  how: 'path' | 'folder' | 'cache';
}

export interface FindBaseOptions {
  /** Further folders to look in (the workspace folders). */
  searchFolders?: readonly string[];
  /** The hub cache folder (default: where huggingface_hub puts it). */
  cacheDir?: string;
}

async function isModelFolder(p: string): Promise<boolean> {
  try {
    if (!(await stat(p)).isDirectory()) return false;
    return isModelListing(await readdir(p));
  } catch {
    return false;
  }
}

/** True when `path` is a folder holding adapter_config.json. */
export async function isAdapterFolder(path: string): Promise<boolean> {
  try {
    return (await stat(join(path, ADAPTER_CONFIG))).isFile();
  } catch {
    return false;
  }
}

/** The base model of the adapter folder `adapterFolder` named `baseName`, or null. */
export async function findBaseModel(adapterFolder: string, baseName: string, opts: FindBaseOptions = {}): Promise<FoundBase | null> {
  const folder = resolve(adapterFolder);
  const direct = isAbsolute(baseName) ? baseName : resolve(folder, baseName);
  if (direct !== folder && (await isModelFolder(direct))) return { path: direct, how: 'path' };
  if (!isAbsolute(baseName)) {
    const names = [...new Set([baseName, basename(baseName)])];
    const places = [dirname(folder), ...(opts.searchFolders ?? [])];
    for (const place of places) {
      for (const name of names) {
        const p = resolve(place, name);
        if (p !== folder && (await isModelFolder(p))) return { path: p, how: 'folder' };
      }
    }
    if (/^[\w.-]+\/[\w.-]+$/.test(baseName)) {
      const cached = (await listCachedModels(opts.cacheDir ?? hubCacheDir())).find((m) => m.repoId === baseName);
      if (cached && cached.snapshots.length) return { path: cached.snapshots[0].path, how: 'cache' };
    }
  }
  return null;
}

/** The base of an adapter folder by its adapter_config.json; `name` null when the config names none. */
export async function findAdapterBase(adapterFolder: string, opts: FindBaseOptions = {}): Promise<{ name: string | null; found: FoundBase | null }> {
  const cfg = await readAdapterConfig(adapterFolder);
  if (!cfg?.baseModel) return { name: null, found: null };
  return { name: cfg.baseModel, found: await findBaseModel(adapterFolder, cfg.baseModel, opts) };
}
