/**
 * When a checkpoint that is being written has landed. A trainer writes a checkpoint file by file
 * (transformers/trainer.py `Trainer._save_checkpoint`: the weights through `save_pretrained` — each
 * shard, then the shard index — then optimizer, scheduler and RNG state, and `trainer_state.json`
 * last), so a checkpoint is complete when
 *  - every shard its `model.safetensors.index.json` names is present (or, without an index, a weight
 *    file is),
 *  - every safetensors file is as long as its own header says (a file still being written is shorter
 *    than the tensors' data offsets; readSafetensorsHeader refuses it),
 *  - `trainer_state.json` is present and readable when the run's trainer writes one, and
 *  - nothing in it has changed size or time for `stableMs` (a writer that pauses between files, or a
 *    format without offsets to check, such as GGUF).
 * Pure Node, without VS Code: the extension's folder watcher and `layer-lens timeline --watch` both
 * ask it.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readSafetensorsHeader } from '../../io/safetensors';
import { INDEX_FILE, readShardIndex } from '../../io/shardIndex';
import { trainerStateStep } from './discover';

/** Default quiet time before a checkpoint counts as written (a few seconds). */
export const DEFAULT_STABLE_MS = 3000;

export interface CheckpointSnapshot {
  path: string;
  /** Whether every file is present and whole (before the quiet time). */
  ready: boolean;
  /** Why it is not ready. */
  reason?: string;
  /** Names, sizes and modification times of its files: equal snapshots mean nothing moved. */
  signature: string;
}

export interface SnapshotOptions {
  /** The run's trainer writes trainer_state.json (other checkpoints of the run have one): wait for it. */
  expectTrainerState?: boolean;
}

async function signatureOf(paths: string[]): Promise<string> {
  const parts = await Promise.all(
    paths.map(async (p) => {
      try {
        const s = await stat(p);
        return `${basename(p)}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${basename(p)}:-`;
      }
    }),
  );
  return parts.sort().join('|');
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The state of the checkpoint at `path` (a folder or a weight file) now. */
export async function snapshotCheckpoint(path: string, opts: SnapshotOptions = {}): Promise<CheckpointSnapshot> {
  let s;
  try {
    s = await stat(path);
  } catch {
    return { path, ready: false, reason: 'it no longer exists', signature: '' };
  }
  if (!s.isDirectory()) {
    const signature = await signatureOf([path]);
    if (!/\.safetensors$/i.test(path)) return { path, ready: true, signature };
    try {
      await readSafetensorsHeader(path);
      return { path, ready: true, signature };
    } catch (err) {
      return { path, ready: false, reason: message(err), signature };
    }
  }
  const names = await readdir(path);
  const signature = await signatureOf(names.map((n) => join(path, n)));
  const notReady = (reason: string): CheckpointSnapshot => ({ path, ready: false, reason, signature });
  let weights: string[];
  if (names.includes(INDEX_FILE)) {
    try {
      weights = (await readShardIndex(path)).shards;
    } catch (err) {
      return notReady(message(err));
    }
  } else {
    weights = names.filter((n) => /\.(safetensors|gguf)$/i.test(n)).map((n) => join(path, n));
    if (weights.length === 0) return notReady('no weight file yet');
  }
  for (const w of weights.filter((f) => /\.safetensors$/i.test(f))) {
    try {
      await readSafetensorsHeader(w);
    } catch (err) {
      return notReady(message(err));
    }
  }
  if (opts.expectTrainerState) {
    try {
      if ((await trainerStateStep(path)) === undefined) return notReady('trainer_state.json is not written yet');
    } catch (err) {
      return notReady(message(err));
    }
  }
  return { path, ready: true, signature };
}

/**
 * Decides, from snapshots taken over time, when each checkpoint is complete: ready, and the same
 * signature for at least `stableMs`. Any change starts the wait again; a checkpoint reported
 * complete stays so until its files change (then it is pending again) or it is forgotten.
 */
export class CompletenessTracker {
  private readonly seen = new Map<string, { signature: string; since: number; ready: boolean }>();

  constructor(private readonly stableMs = DEFAULT_STABLE_MS) {}

  /** 'complete' once `snapshot` has been ready and unchanged for the quiet time at `nowMs`; else 'pending'. */
  observe(snapshot: CheckpointSnapshot, nowMs: number): 'complete' | 'pending' {
    const prev = this.seen.get(snapshot.path);
    if (!prev || prev.signature !== snapshot.signature || prev.ready !== snapshot.ready) {
      this.seen.set(snapshot.path, { signature: snapshot.signature, since: nowMs, ready: snapshot.ready });
      return snapshot.ready && this.stableMs <= 0 ? 'complete' : 'pending';
    }
    return snapshot.ready && nowMs - prev.since >= this.stableMs ? 'complete' : 'pending';
  }

  /** Drops what is known of a checkpoint (deleted). */
  forget(path: string): void {
    this.seen.delete(path);
  }
}
