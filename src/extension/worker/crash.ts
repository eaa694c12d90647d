/**
 * Why the worker process ended, in words a user can act on. Kept apart from the connection so the
 * wording is testable from plain exit codes and stderr text.
 */
export type CrashReason = 'out-of-memory' | 'killed' | 'signal' | 'exit' | 'unresponsive' | 'spawn-failed';

export interface WorkerCrash {
  reason: CrashReason;
  /** One or two sentences for a notification. */
  message: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the worker wrote to stderr (for the output channel). */
  stderrTail: string;
}

// V8 prints these before aborting when the heap limit (--max-old-space-size) is reached.
const OOM_MARKERS = ['heap out of memory', 'Reached heap limit', 'Allocation failed - process out of memory', 'FATAL ERROR: invalid array length'];

export function describeCrash(exitCode: number | null, signal: NodeJS.Signals | null, stderrTail: string, heapLimitMB: number | undefined): WorkerCrash {
  const base = { exitCode, signal, stderrTail };
  if (OOM_MARKERS.some((m) => stderrTail.includes(m))) {
    const limit = heapLimitMB ? ` (heap limit ${heapLimitMB} MB)` : '';
    return {
      ...base,
      reason: 'out-of-memory',
      message: `The Layer Lens worker ran out of memory${limit}. Raise the setting layerLens.workerMaxOldSpaceMB or analyse a smaller model or fewer layers.`,
    };
  }
  if (signal === 'SIGKILL') {
    return {
      ...base,
      reason: 'killed',
      message:
        'The Layer Lens worker was killed (SIGKILL). If nobody stopped it, the system probably ran out of memory: lower layerLens.memoryBudgetMB or close other programs.',
    };
  }
  if (signal) return { ...base, reason: 'signal', message: `The Layer Lens worker stopped on signal ${signal}.` };
  const lastLine = stderrTail.trim().split('\n').filter(Boolean).pop();
  return {
    ...base,
    reason: 'exit',
    message: `The Layer Lens worker exited unexpectedly with code ${exitCode}${lastLine ? `: ${lastLine}` : '.'}`,
  };
}
