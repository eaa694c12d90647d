/**
 * Finished per-layer correlations, so that re-running (other layers, after a cancel, a re-opened
 * panel, the next VS Code session) only computes what is new. Keyed and stored like the spectra
 * cache (spectraCache.ts): the key holds the model path, every file's size and modification time
 * (modelIdentity: a rewritten checkpoint is never served stale) and the pinv cutoff; entries live in
 * the worker's memory and, when the caller names a cache folder, on disk as one JSON file per layer.
 * Disk problems never fail a run: an unreadable or unwritable cache just means computing again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerCorrelations } from './correlations';

const MEMORY_CAPACITY = 1024;
/** Layer files kept on disk (≈ 5 KB each for 32 heads). */
const DISK_CAPACITY = 2048;
/** Bumped whenever the stored entry's shape or meaning changes. */
const FORMAT = 2;
const FOLDER = 'correlations';

const memory = new Map<string, LayerCorrelations>();

export function correlationsCacheKey(identity: string, layer: number, rcond: number | undefined): string {
  return `v${FORMAT}#${identity}#${layer}#rc${rcond ?? 'default'}`;
}

function fileFor(cacheDir: string, key: string): string {
  return join(cacheDir, FOLDER, `${createHash('sha256').update(key).digest('hex')}.json`);
}

/** JSON has no NaN (measures that do not apply): store non-finite numbers as tagged strings. */
const NON_FINITE = '\u0000nonfinite:';
const replacer = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? `${NON_FINITE}${v}` : v);
const reviver = (_k: string, v: unknown): unknown => (typeof v === 'string' && v.startsWith(NON_FINITE) ? Number(v.slice(NON_FINITE.length)) : v);

function remember(key: string, entry: LayerCorrelations): void {
  memory.delete(key);
  memory.set(key, entry);
  while (memory.size > MEMORY_CAPACITY) memory.delete(memory.keys().next().value as string);
}

export async function readCachedCorrelations(key: string, cacheDir?: string): Promise<LayerCorrelations | undefined> {
  const hit = memory.get(key);
  if (hit) {
    remember(key, hit);
    return structuredClone(hit);
  }
  if (!cacheDir) return undefined;
  try {
    const stored = JSON.parse(await readFile(fileFor(cacheDir, key), 'utf8'), reviver) as { key?: string; entry?: LayerCorrelations };
    // The file name is a hash: the stored key guards against collisions and older formats.
    if (stored.key !== key || !stored.entry) return undefined;
    remember(key, stored.entry);
    return structuredClone(stored.entry);
  } catch {
    return undefined;
  }
}

export async function writeCachedCorrelations(key: string, entry: LayerCorrelations, cacheDir?: string): Promise<void> {
  remember(key, structuredClone(entry));
  if (!cacheDir) return;
  const dir = join(cacheDir, FOLDER);
  const file = fileFor(cacheDir, key);
  try {
    await mkdir(dir, { recursive: true });
    // Write then rename: a reader never sees half a file, even if two windows race.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ key, entry }, replacer));
    await rename(tmp, file);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    if (names.length > DISK_CAPACITY) {
      const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(dir, n))).mtimeMs })));
      dated.sort((a, b) => a.t - b.t);
      await Promise.all(dated.slice(0, names.length - DISK_CAPACITY).map((d) => rm(join(dir, d.n), { force: true })));
    }
  } catch (err) {
    console.error(`Layer Lens: could not store a correlations result under ${cacheDir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Forgets every in-memory entry (tests; the disk copies stay). */
export function clearCorrelationsMemoryCache(): void {
  memory.clear();
}
