/**
 * Cold reads for the decode benchmarks (`--cold`): the kernel's page cache is emptied before each
 * timed read, so that the raw read and the decoding stream both fetch the file from the disk, as
 * opening a checkpoint that is not cached does. Needs root (Linux's /proc/sys/vm/drop_caches);
 * elsewhere the benchmarks say so and stop.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** Writes dirty pages out (once, after the benchmark's files are written), so that dropping the cache drops them too. */
export function flushToDisk(): void {
  execFileSync('sync');
}

/** Drops the clean pages of the page cache; throws with the reason where that is not permitted. */
export function dropPageCache(): void {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch (e) {
    throw new Error(`--cold needs to write /proc/sys/vm/drop_caches (Linux, as root): ${(e as Error).message}`);
  }
}
