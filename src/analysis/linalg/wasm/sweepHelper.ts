// A second thread for stage two of the eigen-decomposition: a worker_threads Worker that runs the
// same WASM functions on the same shared memory: the bulge chasing (odd sweeps while the main
// thread runs the even ones) and the back-transformation of eigenvectors (its own block of
// columns). The int8 quantizer of fast DOCS (engine/kernels/int8QuantizeWasm.ts) leases it too:
// it takes chunks of a layer's vectors beside the main thread. The worker's code is a string
// (eval), so it needs no file of its own next to the esbuild bundle.
//
// Lifetime rules, so that no thread outlives its use:
// - one helper per process, created on first use and leased to one reduction at a time (a second,
//   concurrent reduction runs single-threaded rather than waiting for it);
// - the worker holds Node's event loop open only while a slice is running (ref'd then, unref'd
//   when idle), so a process that is done exits even if the helper is alive;
// - IDLE_MS after its last lease ends the worker is terminated: it would otherwise keep the last
//   reduction's shared WASM memory (up to gigabytes) reachable until its own, idle, GC ran.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { linalgModule } from './linalgWasm';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', ({ memory, fn, args }) => {
  try {
    const instance = new WebAssembly.Instance(workerData.module, { env: { memory } });
    parentPort.postMessage({ status: instance.exports[fn](...args) ?? 0 });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.stack) || e) });
  }
});
parentPort.postMessage({ ready: true });
`;

/** The WASM exports the helper thread runs. */
export type HelperFunction = 'bandToTridiagonal' | 'applyBandReflectors' | 'int8QuantizeColumnVectors' | 'int8QuantizeRowVectors' | 'int8TransposeOffset';

/** How long an unused helper thread lives on (a following reduction reuses it). */
export const IDLE_MS = 2000;

interface Reply {
  ready?: boolean;
  status?: number;
  error?: string;
}

export class SweepHelper {
  private pending: ((r: Reply) => void) | undefined;
  private leased = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private exited = false;
  /** Set when termination has begun: the thread takes no new lease from then on. */
  private retiring = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (r: Reply) => this.settle(r));
    worker.on('error', (e) => this.settle({ error: String(e) }));
    worker.on('exit', (code) => {
      this.exited = true;
      this.forget();
      clearTimeout(this.idleTimer);
      this.settle({ error: `the helper thread exited (code ${code})` });
    });
  }

  private settle(r: Reply): void {
    const p = this.pending;
    this.pending = undefined;
    if (!this.exited) this.worker.unref();
    p?.(r);
  }

  static start(): Promise<SweepHelper> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: linalgModule() } });
      const h = new SweepHelper(worker);
      h.pending = (r) => {
        if (r.ready) {
          h.scheduleIdleExit();
          resolve(h);
        } else {
          void worker.terminate();
          reject(new Error(r.error ?? 'helper thread failed to start'));
        }
      };
    });
  }

  /** Reserves the thread for one reduction; false if another reduction holds it or it has exited. */
  tryAcquire(): boolean {
    if (this.leased || this.pending || !this.usable) return false;
    this.leased = true;
    clearTimeout(this.idleTimer);
    return true;
  }

  /** Ends a lease. Call only once no slice posted under it is still running. */
  release(): void {
    this.leased = false;
    this.scheduleIdleExit();
  }

  /** Whether it can take a lease now or later (not exited, not being terminated). */
  get usable(): boolean {
    return !this.exited && !this.retiring;
  }

  /** Whether the worker thread still exists (for tests of its lifetime). */
  get alive(): boolean {
    return !this.exited;
  }

  /** Ends the worker now (a lease in progress fails with an error); resolves once it has exited. */
  async terminate(): Promise<void> {
    this.retiring = true;
    this.forget();
    clearTimeout(this.idleTimer);
    if (!this.exited) await this.worker.terminate();
  }

  /** The next sweepHelper() call starts a fresh thread instead of returning this one. */
  private forget(): void {
    if (current === this) {
      current = undefined;
      helper = undefined;
    }
  }

  private scheduleIdleExit(): void {
    clearTimeout(this.idleTimer);
    if (!this.usable) return;
    this.idleTimer = setTimeout(() => {
      if (!this.leased && !this.pending) void this.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  /**
   * Posts one slice to the worker: the WASM export `fn` on `args` (bandToTridiagonal returns a
   * status; applyBandReflectors returns nothing, read as 0). Resolves when it has finished.
   */
  run(memory: WebAssembly.Memory, args: number[], fn: HelperFunction = 'bandToTridiagonal'): Promise<number> {
    if (!this.leased) return Promise.reject(new Error('internal: the helper thread is used without a lease'));
    if (!this.usable) return Promise.reject(new Error('the helper thread has exited'));
    if (this.pending) return Promise.reject(new Error('internal: the helper thread is still running the previous slice'));
    return new Promise((resolve, reject) => {
      this.pending = (r) => (r.error !== undefined ? reject(new Error(r.error)) : resolve(r.status ?? 1));
      this.worker.ref();
      this.worker.postMessage({ memory, fn, args });
    });
  }
}

let helper: Promise<SweepHelper | undefined> | undefined;
let current: SweepHelper | undefined;

/** The process's helper thread, or undefined on a single core or where workers cannot start. */
export function sweepHelper(): Promise<SweepHelper | undefined> {
  if (availableParallelism() < 2) return Promise.resolve(undefined);
  helper ??= SweepHelper.start().then(
    (h) => {
      // It may have gone idle and exited already, in which case the next call starts another.
      if (h.usable) current = h;
      else helper = undefined;
      return h;
    },
    // Workers cannot start here (a sandbox, a single-threaded embedding): every reduction of this
    // process runs single-threaded rather than paying for a failed start each time.
    () => undefined,
  );
  return helper;
}

/**
 * Leases the helper for one reduction, or returns undefined (single core, workers unavailable, or
 * another reduction holds it): the caller then runs all sweeps itself.
 */
export async function leaseSweepHelper(): Promise<SweepHelper | undefined> {
  const h = await sweepHelper();
  return h && h.tryAcquire() ? h : undefined;
}
