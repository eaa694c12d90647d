/** What every long-running analysis accepts: cancellation and progress reporting. */
export interface JobContext {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  /** Work done so far and in total, in the job's own units (pairs, matrices, prompts…). */
  done: number;
  total: number;
  message?: string;
}

/** Thrown when a job's AbortSignal fires; the worker reports it as a cancellation, not a failure. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Gives the event loop a turn so that cancellation messages can arrive during CPU-bound loops. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
