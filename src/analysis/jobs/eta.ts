/**
 * How long a job has left, from its done/total reports: an exponentially weighted rate of progress
 * (fraction of the work per second) that follows changes of pace, for "… — about 2 min left".
 *
 *   const eta = new ProgressEta();
 *   onProgress: (p) => show(p, eta.update(p.done, p.total).secondsLeft)
 *
 * - Each interval between two reports that advanced the work is one sample of the rate, weighted
 *   by its length: rate ← rate + (1 − e^(−dt/τ))·(sample − rate). τ grows with the run (a quarter of
 *   the time elapsed, at least 5 s), so early estimates react quickly and later ones are steady,
 *   while a heavy second pass still takes over within about τ. Steps of uneven size weigh by the
 *   time they took, so a constant pace gives the exact answer however the steps are cut.
 * - The first interval often carries one-off costs (loading, compiling, a cold page cache), so the
 *   second interval replaces it instead of being blended with it.
 * - No estimate (undefined) until two intervals have advanced the work, or one interval of at
 *   least `minSeconds`: one quick step says little about the pace.
 * - A pause: once the time since the last advance exceeds what the current pace predicts for a
 *   step like the last one, the pace is taken as at most that step's work over the time waited,
 *   so the estimate grows for as long as nothing arrives (`estimate()` between reports).
 * - Work reported as done in no time (results restored from a cache) moves the start of the next
 *   interval past it, without counting as a sample.
 * - A change of `total` (a job that moves to a new phase with other units) or a `done` that goes
 *   back starts over.
 */

export interface Eta {
  /** done / total, in [0, 1]. */
  fraction: number;
  /** Seconds left, or undefined while there is too little evidence; 0 once done ≥ total. */
  secondsLeft: number | undefined;
}

export interface EtaOptions {
  /** Milliseconds since any fixed origin (default performance.now); injected in tests. */
  now?: () => number;
  /** The shortest time constant of the rate's smoothing, in seconds (default 5). */
  minTauSeconds?: number;
  /** One advancing interval this long is evidence enough (default 3 s). */
  minSeconds?: number;
}

export class ProgressEta {
  private readonly now: () => number;
  private readonly minTau: number;
  private readonly minSeconds: number;
  private total = NaN;
  private startMs = 0;
  /** Time and fraction of the last report that advanced the work. */
  private lastMs = 0;
  private lastFraction = 0;
  /** Fraction of the work the last advancing interval did. */
  private lastStep = 0;
  /** Smoothed rate, fraction of the work per second. */
  private rate = 0;
  private intervals = 0;
  private evidenceSeconds = 0;
  private fraction = 0;

  constructor(opts: EtaOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.minTau = opts.minTauSeconds ?? 5;
    this.minSeconds = opts.minSeconds ?? 3;
  }

  /** Records a report and returns the estimate right after it. */
  update(done: number, total: number): Eta {
    const t = this.now();
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    if (total !== this.total || fraction < this.lastFraction) this.restart(t, total, fraction);
    else if (fraction > this.lastFraction) {
      const dt = (t - this.lastMs) / 1000;
      const df = fraction - this.lastFraction;
      if (dt > 0) {
        const sample = df / dt;
        if (this.intervals < 2) this.rate = sample;
        else {
          const tau = Math.max(this.minTau, (t - this.startMs) / 4000);
          this.rate += (1 - Math.exp(-dt / tau)) * (sample - this.rate);
        }
        this.intervals++;
        this.evidenceSeconds += dt;
        this.lastStep = df;
      }
      // dt = 0 (work done in no time, e.g. results restored from a cache): the next interval starts
      // past it, so it neither speeds up nor slows down the pace of the real work.
      this.lastMs = t;
      this.lastFraction = fraction;
    }
    this.fraction = fraction;
    return this.estimate();
  }

  /** The estimate now, without a new report: a pause longer than the pace predicts makes it grow. */
  estimate(): Eta {
    const fraction = this.fraction;
    if (fraction >= 1) return { fraction, secondsLeft: 0 };
    const enough = this.intervals >= 2 || (this.intervals === 1 && this.evidenceSeconds >= this.minSeconds);
    if (!enough || !(this.rate > 0)) return { fraction, secondsLeft: undefined };
    const waited = (this.now() - this.lastMs) / 1000;
    const rate = waited > this.lastStep / this.rate ? Math.min(this.rate, this.lastStep / waited) : this.rate;
    return { fraction, secondsLeft: Math.max(0, (1 - fraction) / rate) };
  }

  private restart(t: number, total: number, fraction: number): void {
    this.total = total;
    this.startMs = t;
    this.lastMs = t;
    this.lastFraction = fraction;
    this.lastStep = 0;
    this.rate = 0;
    this.intervals = 0;
    this.evidenceSeconds = 0;
  }
}

/** "about 2 min left", "about 1 h 20 min left", "a few seconds left"; '' for undefined. */
export function formatTimeLeft(secondsLeft: number | undefined): string {
  if (secondsLeft === undefined || !Number.isFinite(secondsLeft)) return '';
  if (secondsLeft < 10) return 'a few seconds left';
  if (secondsLeft < 55) return `about ${Math.round(secondsLeft / 10) * 10} s left`;
  const minutes = Math.max(1, Math.round(secondsLeft / 60));
  if (minutes < 60) return `about ${minutes} min left`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `about ${h} h left` : `about ${h} h ${m} min left`;
}
