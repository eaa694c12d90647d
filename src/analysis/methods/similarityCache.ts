/**
 * Finished layer-similarity results, so that re-opening a heatmap (another matrix kind and back,
 * a re-opened panel, the next VS Code session) is instant. Kept in the worker's memory and, when
 * the caller names a cache folder (the extension passes its global storage), on disk as one JSON
 * file per result. The key holds the model path, every file's size and modification time (a
 * rewritten checkpoint is never served stale) and every setting that changes the result.
 * Disk problems never fail a run: an unreadable or unwritable cache just means computing again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { modelFilesIdentity } from '../fileIdentity';
import type { ModelHandle } from '../model/types';
import type { LayerSimilarityResult } from './layerSimilarity';
import { settingsKey, type SimilaritySettings } from './similarityOptions';

/** Results kept in memory (each is small: values and histograms per pair). */
const MEMORY_CAPACITY = 64;
/** Result files kept on disk; the least recently written go first (a few MB at most). */
const DISK_CAPACITY = 256;
/** Bumped whenever the stored result's shape or meaning changes. */
const FORMAT = 2;

const memory = new Map<string, LayerSimilarityResult>();

/** The model path and the identity (inode, size, mtime, ctime) of every file it was read from. */
export async function modelIdentity(model: ModelHandle): Promise<string> {
  return `${model.path}|${model.files.join('|')}|${await modelFilesIdentity(model)}`;
}

export function similarityCacheKey(identity: string, settings: SimilaritySettings): string {
  return `v${FORMAT}#${identity}#${settingsKey(settings)}`;
}

function fileFor(cacheDir: string, key: string): string {
  return join(cacheDir, 'similarity', `${createHash('sha256').update(key).digest('hex')}.json`);
}

export type CacheHit = { result: LayerSimilarityResult; from: 'memory' | 'disk' };

export async function readCachedSimilarity(key: string, cacheDir?: string): Promise<CacheHit | undefined> {
  const hit = memory.get(key);
  if (hit) {
    memory.delete(key);
    memory.set(key, hit);
    return { result: hit, from: 'memory' };
  }
  if (!cacheDir) return undefined;
  try {
    const stored = JSON.parse(await readFile(fileFor(cacheDir, key), 'utf8')) as { key?: string; result?: LayerSimilarityResult };
    // The file name is a hash: the stored key guards against collisions and older formats.
    if (stored.key !== key || !stored.result) return undefined;
    remember(key, stored.result);
    return { result: stored.result, from: 'disk' };
  } catch {
    return undefined;
  }
}

export async function writeCachedSimilarity(key: string, result: LayerSimilarityResult, cacheDir?: string): Promise<void> {
  remember(key, result);
  if (!cacheDir) return;
  const file = fileFor(cacheDir, key);
  try {
    await mkdir(join(cacheDir, 'similarity'), { recursive: true });
    // Write then rename: a reader never sees half a file, even if two windows race.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ key, result }));
    await rename(tmp, file);
    await prune(join(cacheDir, 'similarity'));
  } catch (err) {
    console.error(`Layer Lens: could not store a similarity result under ${cacheDir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function prune(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  if (names.length <= DISK_CAPACITY) return;
  const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(dir, n))).mtimeMs })));
  dated.sort((a, b) => a.t - b.t);
  await Promise.all(dated.slice(0, names.length - DISK_CAPACITY).map((d) => rm(join(dir, d.n), { force: true })));
}

function remember(key: string, result: LayerSimilarityResult): void {
  memory.delete(key);
  memory.set(key, result);
  while (memory.size > MEMORY_CAPACITY) memory.delete(memory.keys().next().value as string);
}

/** Forgets every in-memory result (tests; the disk copies stay). */
export function clearSimilarityMemoryCache(): void {
  memory.clear();
}
