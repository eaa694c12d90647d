// Float64 work buffers handed from one eigen-decomposition to the next in the same process.
//
// Stage one of a reduction needs ~90 MB of work memory at n = 2048 (1.2 GB at 8192). Fresh
// buffers cost a page fault per 4 KiB on first touch (~3 µs each on the reference VM, ~25k faults
// at n = 2048), and freeing them later costs the kernel as much again, on a background GC thread
// that competes with the next reduction's threads. A worker that decomposes many matrices in a row
// (every Gram matrix of a spectra run) pays that on every call unless the buffers are reused.
//
// The pool holds only buffers given back, for IDLE_MS after the last take or give: an idle worker
// keeps nothing alive that garbage collection could reclaim. What it lets go of is collected at
// once (jobs/reclaim.ts): otherwise the next decomposition's fresh buffers would sit beside the
// dead ones until V8's next collection, over the memory budget.
import { reclaimMemory } from '../jobs/reclaim';

/** How long given-back buffers are kept without any use. */
export const IDLE_MS = 2000;
/** At most this many buffers are kept (one reduction uses eight). */
const MAX_KEPT = 8;

const free: Float64Array[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/** Lets go of the kept buffers from index `from` on, and has their memory collected. */
function drop(from = 0): void {
  let bytes = 0;
  for (let i = from; i < free.length; i++) bytes += free[i].byteLength;
  free.length = Math.min(free.length, from);
  reclaimMemory(bytes);
}

function touch(): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(drop, IDLE_MS);
  idleTimer.unref();
}

/**
 * A buffer of exactly `length` entries, contents undefined (a view on a kept buffer when one is
 * large enough, the smallest such). The caller must write every entry before reading it.
 */
export function takeScratch(length: number): Float64Array {
  touch();
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    if (free[i].length >= length && (best < 0 || free[i].length < free[best].length)) best = i;
  }
  if (best < 0) return new Float64Array(length);
  const [buffer] = free.splice(best, 1);
  return buffer.length === length ? buffer : buffer.subarray(0, length);
}

/** Returns buffers from takeScratch; the caller must not use them afterwards. */
export function giveScratch(...buffers: Float64Array[]): void {
  touch();
  for (const b of buffers) {
    // Keep the whole allocation, not the view that was handed out.
    const whole = new Float64Array(b.buffer, 0, b.buffer.byteLength / 8);
    if (!free.some((f) => f.buffer === whole.buffer)) free.push(whole);
  }
  // Over the cap, the smallest go: the large ones are the expensive ones to fault in again.
  free.sort((x, y) => y.length - x.length);
  drop(MAX_KEPT);
}

/**
 * Lets go of every kept buffer now, for a caller about to allocate far more than the pool holds
 * (the eigenvector stages after stage one), where waiting out IDLE_MS would keep both.
 */
export function releaseScratch(): void {
  drop();
}

/** Number of buffers currently kept, for tests. */
export function keptScratch(): number {
  return free.length;
}
