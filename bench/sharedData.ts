/**
 * Benchmark data that several runs at once may share (the 70B slices of memory70b.bench.ts, a few GB
 * each): each run registers itself in the folder, a slice is written by one run while the others
 * wait for it, and a run that would delete the data at its end leaves it while another live run
 * still uses it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but is another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SharedBenchData {
  private readonly users: string;

  constructor(readonly dir: string) {
    this.users = join(dir, '.users');
    mkdirSync(this.users, { recursive: true });
    writeFileSync(join(this.users, String(process.pid)), '');
  }

  /** Runs `write` unless `marker` exists; while another live run writes the same slice, waits for it. */
  async ensure(marker: string, lockName: string, write: () => Promise<void>): Promise<void> {
    const lock = join(this.dir, `.${lockName}.writing`);
    for (;;) {
      if (existsSync(marker)) return;
      try {
        writeFileSync(lock, String(process.pid), { flag: 'wx' });
        break;
      } catch {
        const owner = Number(readFileSync(lock, 'utf8'));
        if (!alive(owner)) rmSync(lock, { force: true });
        else await sleep(2000);
      }
    }
    try {
      if (!existsSync(marker)) await write();
    } finally {
      rmSync(lock, { force: true });
    }
  }

  /** Other runs registered here that are still running. */
  otherUsers(): number[] {
    return readdirSync(this.users)
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid !== process.pid && alive(pid));
  }

  /** Unregisters this run; deletes `paths` unless another live run still uses the folder. Returns whether it deleted. */
  release(paths: string[], remove: boolean): boolean {
    rmSync(join(this.users, String(process.pid)), { force: true });
    if (!remove || this.otherUsers().length > 0) return false;
    for (const p of paths) rmSync(p, { recursive: true, force: true });
    return true;
  }
}
