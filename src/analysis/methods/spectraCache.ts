/**
 * Finished per-matrix spectra, so that re-running the analysis (other layers, after a cancel, a
 * re-opened panel, the next VS Code session) only computes what is new. Keyed and stored like the
 * layer-similarity cache (similarityCache.ts): the key holds the model path, every file's size and
 * modification time (a rewritten checkpoint is never served stale) and every option that changes
 * the result; entries live in the worker's memory and, when the caller names a cache folder (the
 * extension passes its global storage), on disk as one JSON file per matrix. Disk problems never
 * fail a run: an unreadable or unwritable cache just means computing again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixRole } from '../model/types';
import type { MatrixSpectra, SpectraResult } from './spectra';

export { modelIdentity } from './similarityCache';

/** Matrices kept in memory (a 16-layer model's full run is 112). */
const MEMORY_CAPACITY = 1024;
/** Matrix files kept on disk (≈ 100 KB each for a 2048-wide matrix with its heads). */
const DISK_CAPACITY = 1024;
/** Bumped whenever the stored entry's shape or meaning changes. */
const FORMAT = 1;

const memory = new Map<string, MatrixSpectra>();

export function spectraCacheKey(identity: string, layer: number, kind: MatrixRole, options: SpectraResult['options']): string {
  const o = options;
  return `v${FORMAT}#${identity}#${layer}#${kind}#h${+o.heads}#${o.vectorSide}#mv${+o.matrixVectors}#rd${+o.randDistance}#s${o.seed}#k${+o.keepValues}`;
}

function fileFor(cacheDir: string, key: string): string {
  return join(cacheDir, 'spectra', `${createHash('sha256').update(key).digest('hex')}.json`);
}

/** JSON has no NaN or ±Infinity (unfitted α, skipped rand_distance): store them as tagged strings. */
const NON_FINITE = '\u0000nonfinite:';
function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? `${NON_FINITE}${v}` : v;
}
function reviver(_k: string, v: unknown): unknown {
  return typeof v === 'string' && v.startsWith(NON_FINITE) ? Number(v.slice(NON_FINITE.length)) : v;
}

function remember(key: string, entry: MatrixSpectra): void {
  memory.delete(key);
  memory.set(key, entry);
  while (memory.size > MEMORY_CAPACITY) memory.delete(memory.keys().next().value as string);
}

export async function readCachedSpectra(key: string, cacheDir?: string): Promise<MatrixSpectra | undefined> {
  const hit = memory.get(key);
  if (hit) {
    remember(key, hit);
    return hit;
  }
  if (!cacheDir) return undefined;
  try {
    const stored = JSON.parse(await readFile(fileFor(cacheDir, key), 'utf8'), reviver) as { key?: string; entry?: MatrixSpectra };
    // The file name is a hash: the stored key guards against collisions and older formats.
    if (stored.key !== key || !stored.entry) return undefined;
    remember(key, stored.entry);
    return stored.entry;
  } catch {
    return undefined;
  }
}

export async function writeCachedSpectra(key: string, entry: MatrixSpectra, cacheDir?: string): Promise<void> {
  remember(key, entry);
  if (!cacheDir) return;
  const file = fileFor(cacheDir, key);
  try {
    await mkdir(join(cacheDir, 'spectra'), { recursive: true });
    // Write then rename: a reader never sees half a file, even if two windows race.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ key, entry }, replacer));
    await rename(tmp, file);
    await prune(join(cacheDir, 'spectra'));
  } catch (err) {
    console.error(`Layer Lens: could not store a spectra result under ${cacheDir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function prune(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  if (names.length <= DISK_CAPACITY) return;
  const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(dir, n))).mtimeMs })));
  dated.sort((a, b) => a.t - b.t);
  await Promise.all(dated.slice(0, names.length - DISK_CAPACITY).map((d) => rm(join(dir, d.n), { force: true })));
}

/** Forgets every in-memory entry (tests; the disk copies stay). */
export function clearSpectraMemoryCache(): void {
  memory.clear();
}
