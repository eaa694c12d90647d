/**
 * Keeps streaming redraws to a share of the renderer's main thread. A webview is an iframe in the
 * workbench's renderer process: while a panel redraws a plot for every partial result, that one
 * thread is busy and every click in the window waits — measured in code-server under load, the
 * workbench's main thread was in long tasks 60–80 % of the time and a click on the progress
 * notification's Cancel took up to a second to register. So: after a draw that kept the thread
 * busy for c ms (the call plus the frame it caused — style, layout, paint, and any redraw the
 * panel deferred to requestAnimationFrame), the next one waits (1/share − 1)·c ms. Draws are
 * coalesced: only the latest state is drawn, and `flush()` draws it now (final states).
 */

export interface DrawClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Calls `fn` once the next frame has been produced. */
  afterNextFrame(fn: () => void): void;
}

/** A frame that does not come this long after a draw (hidden webview: no frames) ends the measurement. */
const FRAME_WAIT_LIMIT_MS = 1000;

const browserClock: DrawClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  // rAF callbacks run before the frame is painted; a task queued from one runs after it.
  afterNextFrame: (fn) => requestAnimationFrame(() => setTimeout(fn, 0)),
};

export interface DrawThrottle {
  /** Asks for a draw of the current state: now if the budget allows, else later (coalesced). */
  request(): void;
  /** Draws now if a draw is pending (e.g. when the run ends); no-op otherwise. */
  flush(): void;
  /** Forgets a pending draw (a result superseded it). */
  cancel(): void;
}

export function drawThrottle(draw: () => void, share = 0.25, clock: DrawClock = browserClock): DrawThrottle {
  if (!(share > 0 && share <= 1)) throw new Error(`drawThrottle: share must be in (0, 1], got ${share}`);
  let timer: unknown;
  let pending = false;
  let measuring = false;
  let notBefore = 0;

  const run = () => {
    timer = undefined;
    pending = false;
    measuring = true;
    const t0 = clock.now();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clock.clearTimeout(limit);
      const cost = clock.now() - t0;
      measuring = false;
      notBefore = clock.now() + cost * (1 / share - 1);
      if (pending) schedule();
    };
    const limit = clock.setTimeout(end, FRAME_WAIT_LIMIT_MS);
    try {
      draw();
    } finally {
      clock.afterNextFrame(end);
    }
  };

  const schedule = () => {
    if (measuring || timer !== undefined) return;
    timer = clock.setTimeout(run, Math.max(0, notBefore - clock.now()));
  };

  return {
    request() {
      pending = true;
      schedule();
    },
    flush() {
      if (!pending) return;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      pending = false;
      draw();
    },
    cancel() {
      pending = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
