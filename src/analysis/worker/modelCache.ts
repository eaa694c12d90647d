/**
 * The worker's open models, least recently used first out. A model is reused only while every file
 * it was read from keeps the identity it had when opened (fileIdentity.ts: inode, size, mtime,
 * ctime): a checkpoint that a training run rewrites in place is opened afresh rather than read
 * through a stale header.
 */
import { modelFilesIdentity } from '../cache/fileIdentity';
import type { ModelHandle } from '../model/types';

interface Entry {
  handle: Promise<ModelHandle>;
  /** fileIdentity of the model's files (set before `handle` resolves). */
  fingerprint?: string;
}

export class ModelCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly open: (path: string) => Promise<ModelHandle>,
    private readonly capacity = 4,
  ) {
    if (!(capacity >= 1)) throw new Error(`model cache capacity must be at least 1, got ${capacity}`);
  }

  async get(path: string): Promise<ModelHandle> {
    const entry = this.entries.get(path);
    if (entry) {
      // Map order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(path);
      this.entries.set(path, entry);
      if (await this.stillValid(entry)) return entry.handle;
      if (this.entries.get(path) === entry) this.entries.delete(path);
    }
    return this.load(path);
  }

  /** Forgets one model (its files changed, or the caller closed it). */
  evict(path: string): void {
    this.entries.delete(path);
  }

  get size(): number {
    return this.entries.size;
  }

  private load(path: string): Promise<ModelHandle> {
    const entry: Entry = {
      // The fingerprint is part of loading, so a caller never sees a handle the cache cannot check.
      handle: this.open(path).then(async (h) => {
        entry.fingerprint = await modelFilesIdentity(h);
        return h;
      }),
    };
    this.entries.set(path, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    entry.handle.catch(() => {
      // A failed open is not cached: the user may fix the file and try again.
      if (this.entries.get(path) === entry) this.entries.delete(path);
    });
    return entry.handle;
  }

  private async stillValid(entry: Entry): Promise<boolean> {
    let handle: ModelHandle;
    try {
      handle = await entry.handle;
    } catch {
      return false;
    }
    // A vanished file has the identity '-', so it never matches.
    return (await modelFilesIdentity(handle)) === entry.fingerprint;
  }
}
