/**
 * The status line of a running analysis in a panel: "layer 3 up · 2 / 7 — about 2 min left". The
 * time left comes from the run's own progress reports (src/analysis/jobs/eta.ts), measured here so
 * it needs nothing from the host; a new run (another runId) starts a new estimate.
 */
import { formatTimeLeft, ProgressEta } from '../../src/analysis/jobs/eta';

export interface ProgressReport {
  runId: number;
  done: number;
  total: number;
  message?: string;
}

/** A status-line maker for one panel; `now` (milliseconds) is injected in tests. */
export function progressTextOf(now: () => number = () => performance.now()): (p: ProgressReport) => string {
  let runId: number | undefined;
  let eta = new ProgressEta({ now });
  return (p) => {
    if (p.runId !== runId) {
      runId = p.runId;
      eta = new ProgressEta({ now });
    }
    const left = formatTimeLeft(eta.update(p.done, p.total).secondsLeft);
    return `${p.message ? `${p.message} · ` : ''}${p.done} / ${p.total}${left ? ` — ${left}` : ''}`;
  };
}

/** The panel's status line (each webview has one panel, so one maker). */
export const progressText = progressTextOf();
