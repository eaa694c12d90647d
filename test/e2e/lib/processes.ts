// CPU time of the Layer Lens analysis worker, read from /proc: "it stops within a second" is
// measured on the process doing the work, not inferred from the UI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Pids whose command line runs `<repo>/dist/worker.js`. */
export function workerPids(repoRoot: string): number[] {
  const script = join(repoRoot, 'dist', 'worker.js');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(script)) pids.push(Number(entry));
    } catch {
      // exited while listing
    }
  }
  return pids;
}

/** User + system CPU seconds of the given processes (all their threads), now. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // exited: it uses no more CPU
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** Average cores the processes used over the next `ms` milliseconds. */
export async function coresUsed(pids: number[], ms: number): Promise<number> {
  const c0 = cpuSeconds(pids);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return (cpuSeconds(pids) - c0) / ((performance.now() - t0) / 1000);
}
