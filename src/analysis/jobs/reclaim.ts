/**
 * Memory let go of in bulk, given back now rather than at V8's next collection.
 *
 * The large arrays of an analysis (a 70B layer's 896 MiB matrix, a decomposition's 200 MiB of
 * pooled work buffers) live outside V8's heap, and V8 frees them only when a collection finds them
 * dead. Its heuristics start one when new external memory has grown past a soft limit, i.e. after
 * the next step has already allocated beside the dead arrays: for a while the process holds both,
 * and a step sized to the memory budget goes over it (2 % at 70B shapes, measured in
 * bench/memory70b.bench.ts). Where a caller knows it has just dropped such memory, a full
 * collection costs a few milliseconds (the heap proper is small) and the freed arrays go back to
 * the system within a fraction of a second.
 *
 * `gc` exists only with V8's --expose-gc. Node starts without it and the worker, the CLI and the
 * tests should not all need a flag, so the flag is set at run time and the function taken from a
 * fresh context, where V8 installs it (the technique of the `expose-gc` npm package, five lines, not
 * worth a dependency). Where that fails, nothing is collected early: slower to free, never wrong.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = () => void;

let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (collect = exposed as Collect);
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    collect = typeof fn === 'function' ? (fn as Collect) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** Below this, dropped memory is left to V8's own schedule (a full collection would cost more than it frees). */
export const RECLAIM_MIN_BYTES = 32 * 1024 * 1024;

/**
 * Runs a full garbage collection now, when `droppedBytes` (what the caller just let go of) is worth
 * it. Returns whether a collection ran.
 */
export function reclaimMemory(droppedBytes: number): boolean {
  if (!(droppedBytes >= RECLAIM_MIN_BYTES)) return false;
  const fn = collector();
  if (!fn) return false;
  fn();
  return true;
}
