/**
 * The size cap of the finished-result cache on disk (setting `layerLens.cacheMaxMB`) and "Clear
 * Cached Results". Every ResultCache stores one file per key, `<cacheDir>/<folder>/<sha-256>.json`
 * (resultCache.ts); a read touches its file's modification time, so the oldest modification time
 * is the least recently used entry. Only files of that form are counted or removed: anything else
 * in the folder (the extension's global storage) is left alone.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A result file (or a write of one left half-done by a crash) of a ResultCache. */
const ENTRY = /^[0-9a-f]{64}\.json(\.\d+\.tmp)?$/;

export interface CacheEntryFile {
  path: string;
  bytes: number;
  /** Last read or write, ms since the epoch (the file's mtime). */
  lastUsedMs: number;
}

export interface CacheUsage {
  files: CacheEntryFile[];
  bytes: number;
}

/** Every result file under `cacheDir`, with its size and last use; an absent folder holds none. */
export async function cacheUsage(cacheDir: string): Promise<CacheUsage> {
  const files: CacheEntryFile[] = [];
  for (const folder of await listDir(cacheDir)) {
    const dir = join(cacheDir, folder);
    for (const name of await listDir(dir)) {
      if (!ENTRY.test(name)) continue;
      const path = join(dir, name);
      try {
        const s = await stat(path);
        if (s.isFile()) files.push({ path, bytes: s.size, lastUsedMs: s.mtimeMs });
      } catch {
        // Removed meanwhile (another window's eviction): not there, not counted.
      }
    }
  }
  return { files, bytes: files.reduce((sum, f) => sum + f.bytes, 0) };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/**
 * Which files to remove so that `usage` fits in `maxBytes`: least recently used first, until the
 * rest fits. Pure, so the policy is tested without a disk.
 */
export function evictionPlan(usage: CacheUsage, maxBytes: number): CacheEntryFile[] {
  let over = usage.bytes - maxBytes;
  if (over <= 0) return [];
  const oldestFirst = [...usage.files].sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.path.localeCompare(b.path));
  const out: CacheEntryFile[] = [];
  for (const f of oldestFirst) {
    if (over <= 0) break;
    out.push(f);
    over -= f.bytes;
  }
  return out;
}

export interface CapOutcome {
  /** Bytes of result files before and after. */
  before: number;
  after: number;
  removed: number;
}

/** Removes the least recently used results until the cache holds at most `maxBytes`. */
export async function enforceCacheCap(cacheDir: string, maxBytes: number): Promise<CapOutcome> {
  const usage = await cacheUsage(cacheDir);
  const plan = evictionPlan(usage, maxBytes);
  let freed = 0;
  for (const f of plan) {
    try {
      await rm(f.path, { force: true });
      freed += f.bytes;
    } catch {
      // A file that cannot be removed stays counted; the next pass tries again.
    }
  }
  return { before: usage.bytes, after: usage.bytes - freed, removed: plan.length };
}

/** Removes every stored result ("Clear Cached Results"); returns how many files and bytes went. */
export async function clearCache(cacheDir: string): Promise<{ files: number; bytes: number }> {
  const usage = await cacheUsage(cacheDir);
  await Promise.all(usage.files.map((f) => rm(f.path, { force: true }).catch(() => undefined)));
  return { files: usage.files.length, bytes: usage.bytes };
}
