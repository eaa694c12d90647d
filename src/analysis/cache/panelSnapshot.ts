/**
 * The last result of an analysis panel, kept on disk so that a panel VS Code restores after a
 * window reload shows it at once, without asking the worker to compute anything. An entry is keyed
 * by the panel's kind, its options and the identity (fileIdentity.ts) of every file of the models
 * it read, so a checkpoint rewritten since then is a miss and the panel offers a run instead of
 * showing numbers of bytes that are gone. Entries are ResultCache files (folder `panels`), so the
 * cache's size cap and "Clear Cached Results" cover them.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { filesIdentity } from './fileIdentity';
import { ResultCache } from './resultCache';
import { isModelFile } from '../io/modelFileKinds';
import { INDEX_FILE } from '../io/shardIndex';
import { ggufSplitPartName, parseGgufSplitName } from '../io/gguf/ggufSplitName';

/** What a panel needs to come back: its kind, the models it read, and the options of its last run. */
export interface PanelSnapshotKey {
  panel: string;
  /** The panel's model first, then any other model its results depend on (a diff's base). */
  models: string[];
  options: unknown;
}

export interface PanelSnapshot<Result = unknown> {
  result: Result;
  /** How long the run took when it was computed. */
  seconds: number;
  /** When it was computed, ms since the epoch. */
  savedAt: number;
}

const snapshots = new ResultCache<PanelSnapshot>({ folder: 'panels', memoryCapacity: 8, diskCapacity: 256 });

/**
 * The files whose change makes a result of `model` stale, found without opening it: a model file
 * itself (every part of a split GGUF model), or a folder's model files with its config.json, shard index and adapter_config.json
 * (the files modelSourceFiles names once the worker has opened the model).
 */
export async function modelFilesOnDisk(model: string): Promise<string[]> {
  // Every part of a split GGUF model: a result read them all.
  const split = parseGgufSplitName(basename(model));
  if (split) return Array.from({ length: split.count }, (_, i) => join(dirname(model), ggufSplitPartName(split.prefix, i + 1, split.count, split.ext)));
  if (isModelFile(model)) return [model];
  let names: string[] = [];
  try {
    names = await readdir(model);
  } catch {
    return [model];
  }
  const weights = names.filter(isModelFile).sort();
  return [...weights, 'config.json', INDEX_FILE, 'adapter_config.json'].map((n) => join(model, n));
}

async function keyOf(k: PanelSnapshotKey): Promise<string> {
  const files = (await Promise.all(k.models.map(modelFilesOnDisk))).flat();
  // Options are written with sorted keys, so {a, b} and {b, a} are one entry.
  return `panel:${k.panel}|${JSON.stringify(sortKeys(k.options))}|${files.join('|')}|${await filesIdentity(files)}`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((key) => [key, sortKeys((v as Record<string, unknown>)[key])]),
  );
}

export async function writePanelSnapshot(cacheDir: string, key: PanelSnapshotKey, snapshot: PanelSnapshot): Promise<void> {
  await snapshots.set(await keyOf(key), snapshot, cacheDir);
}

/** The snapshot stored for these models (as they are on disk now) and options, if any. */
export async function readPanelSnapshot<Result>(cacheDir: string, key: PanelSnapshotKey): Promise<PanelSnapshot<Result> | undefined> {
  return (await snapshots.get(await keyOf(key), cacheDir))?.value as PanelSnapshot<Result> | undefined;
}

/** Forgets the in-memory copies (tests; "Clear Cached Results" removes the files). */
export function clearPanelSnapshotMemory(): void {
  snapshots.clearMemory();
}
