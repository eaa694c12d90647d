/**
 * The command line's progress on stderr, with the time left (jobs/eta.ts):
 * - a terminal: one line rewritten in place (`\r`, erase to end of line) at most every 100 ms,
 *   cut to the terminal's width so it never wraps, and erased when the run ends or before anything
 *   else is printed;
 * - a pipe or a file (CI logs): a plain line at most every `plainEveryMs` (default 5 s), the first
 *   only once the run has taken that long, so quick runs print nothing.
 */
import { formatTimeLeft, ProgressEta } from '../jobs/eta';
import type { Progress } from '../jobs/index';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressPrinterOptions {
  /** Milliseconds since any fixed origin (default performance.now); injected in tests. */
  now?: () => number;
  /** Shortest time between two plain lines when the stream is not a terminal (default 5000). */
  plainEveryMs?: number;
  /** Shortest time between two redraws of the terminal line (default 100). */
  redrawEveryMs?: number;
}

export interface ProgressPrinter {
  onProgress(p: Progress): void;
  /** Erases the terminal line if one is shown (call before printing anything else, and at the end). */
  clear(): void;
}

/** "42% layer 3 up — about 2 min left" */
export function progressLine(p: Progress, secondsLeft: number | undefined): string {
  const pct = p.total > 0 ? Math.floor((100 * Math.min(p.done, p.total)) / p.total) : 0;
  const left = formatTimeLeft(secondsLeft);
  return `${pct}%${p.message ? ` ${p.message}` : ''}${left ? ` — ${left}` : ''}`;
}

export function progressPrinter(stream: ProgressStream, opts: ProgressPrinterOptions = {}): ProgressPrinter {
  const now = opts.now ?? (() => performance.now());
  const eta = new ProgressEta({ now });
  const tty = stream.isTTY === true;
  const every = tty ? (opts.redrawEveryMs ?? 100) : (opts.plainEveryMs ?? 5000);
  let start: number | undefined;
  let last = -Infinity;
  let shown = false;
  const clear = () => {
    if (!shown) return;
    stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    clear,
    onProgress(p) {
      const t = now();
      const { secondsLeft } = eta.update(p.done, p.total);
      start ??= t;
      const finished = p.total > 0 && p.done >= p.total;
      if (tty) {
        if (finished) return clear();
        if (t - last < every) return;
        last = t;
        const width = Math.max(20, (stream.columns ?? 80) - 1);
        const line = progressLine(p, secondsLeft);
        stream.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
        shown = true;
        return;
      }
      if (finished || t - start < every || t - last < every) return;
      last = t;
      stream.write(`layer-lens: ${progressLine(p, secondsLeft)}\n`);
    },
  };
}
