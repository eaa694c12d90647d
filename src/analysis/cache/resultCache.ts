/**
 * A cache of finished analysis results, so that re-opening a panel, re-running after a cancel or
 * the next VS Code session is instant. Entries live in the worker's memory (least recently used
 * go first) and, when the caller names a cache folder (the extension passes its global storage),
 * on disk as one JSON file per key under `<cacheDir>/<folder>/`. Keys must contain the model's file
 * identity (fileIdentity.ts) and every setting that changes the result; a key's hash names its
 * file and the stored key guards against collisions and older formats.
 * Disk problems never fail a run: an unreadable or unwritable cache just means computing again.
 * Each use of an entry sets its file's modification time, so the size cap (diskCap.ts) evicts the
 * least recently used results first.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * How a run uses the cache of finished results: `cacheDir` is the folder for entries on disk (the
 * extension's global storage; memory only when absent), `force` computes anew and replaces what is
 * stored, as the panels' "Run again" asks.
 */
export interface CachedRun {
  cacheDir?: string;
  force?: boolean;
}

export interface ResultCacheOptions {
  /** Sub-folder of the cache folder, e.g. 'similarity'. */
  folder: string;
  /** Entries kept in memory. */
  memoryCapacity: number;
  /** Files kept on disk; the least recently written go first. */
  diskCapacity: number;
}

export interface CacheHit<T> {
  value: T;
  from: 'memory' | 'disk';
}

/**
 * JSON has no NaN or ±Infinity (unfitted exponents, measures that do not apply) and no typed arrays
 * (which it would write as objects keyed "0", "1", …): tag them so that they come back as they were.
 */
const NON_FINITE = '\u0000nonfinite:';
const TYPED = '\u0000typed';
const TYPED_ARRAYS = { Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, Uint8ClampedArray } as const;
type TypedName = keyof typeof TYPED_ARRAYS;
function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return `${NON_FINITE}${v}`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && v.constructor.name in TYPED_ARRAYS)
    return { [TYPED]: v.constructor.name, values: Array.from(v as unknown as ArrayLike<number>) };
  return v;
}
function reviver(_k: string, v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith(NON_FINITE)) return Number(v.slice(NON_FINITE.length));
  if (typeof v === 'object' && v !== null && TYPED in v) {
    const { [TYPED]: name, values } = v as { [TYPED]: unknown; values: unknown };
    if (typeof name === 'string' && name in TYPED_ARRAYS && Array.isArray(values)) return TYPED_ARRAYS[name as TypedName].from(values as number[]);
  }
  return v;
}

/** Stores and reads JSON with non-finite numbers and typed arrays intact (also used for panel snapshots). */
export function encodeCacheJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}
export function decodeCacheJson(text: string): unknown {
  return JSON.parse(text, reviver);
}

export class ResultCache<T> {
  private readonly memory = new Map<string, T>();

  constructor(private readonly options: ResultCacheOptions) {}

  async get(key: string, cacheDir?: string): Promise<CacheHit<T> | undefined> {
    const hit = this.memory.get(key);
    if (hit !== undefined) {
      this.remember(key, hit);
      if (cacheDir) await this.touch(cacheDir, key);
      return { value: hit, from: 'memory' };
    }
    if (!cacheDir) return undefined;
    try {
      const stored = decodeCacheJson(await readFile(this.fileFor(cacheDir, key), 'utf8')) as {
        key?: string;
        value?: T;
      };
      if (stored.key !== key || stored.value === undefined) return undefined;
      this.remember(key, stored.value);
      await this.touch(cacheDir, key);
      return { value: stored.value, from: 'disk' };
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: T, cacheDir?: string): Promise<void> {
    this.remember(key, value);
    if (!cacheDir) return;
    const dir = join(cacheDir, this.options.folder);
    const file = this.fileFor(cacheDir, key);
    try {
      await mkdir(dir, { recursive: true });
      // Write then rename: a reader never sees half a file, even if two windows race.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, encodeCacheJson({ key, value }));
      await rename(tmp, file);
      await this.prune(dir);
    } catch (err) {
      console.error(`Layer Lens: could not store a ${this.options.folder} result under ${cacheDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * The one cached-run step every analysis uses: the value under `key` from memory or `cacheDir`
   * (unless `force`), otherwise `compute()`'s, stored before it is returned. `from` says which.
   */
  async cached(key: string, run: CachedRun, compute: () => Promise<T>): Promise<{ value: T; from: CacheHit<T>['from'] | false }> {
    if (!run.force) {
      const hit = await this.get(key, run.cacheDir);
      if (hit) return hit;
    }
    const value = await compute();
    await this.set(key, value, run.cacheDir);
    return { value, from: false };
  }

  /** Forgets every in-memory entry (tests; the disk copies stay). */
  clearMemory(): void {
    this.memory.clear();
  }

  /** Marks the entry's file as just used (its mtime), for the least-recently-used size cap. */
  private async touch(cacheDir: string, key: string): Promise<void> {
    const now = new Date();
    await utimes(this.fileFor(cacheDir, key), now, now).catch(() => undefined);
  }

  private fileFor(cacheDir: string, key: string): string {
    return join(cacheDir, this.options.folder, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  private remember(key: string, value: T): void {
    this.memory.delete(key);
    this.memory.set(key, value);
    while (this.memory.size > this.options.memoryCapacity) this.memory.delete(this.memory.keys().next().value as string);
  }

  private async prune(dir: string): Promise<void> {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    if (names.length <= this.options.diskCapacity) return;
    const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(dir, n))).mtimeMs })));
    dated.sort((a, b) => a.t - b.t);
    await Promise.all(dated.slice(0, names.length - this.options.diskCapacity).map((d) => rm(join(dir, d.n), { force: true })));
  }
}
