// A second thread for the band → tridiagonal bulge chasing: a worker_threads Worker that runs the
// same WASM function on the same shared memory (odd sweeps while the main thread runs the even
// ones). The worker's code is a string (eval), so it needs no file of its own next to the esbuild
// bundle. One worker per process, created on first use; it holds Node's event loop open only while
// a request is outstanding (ref'd then, unref'd when idle).
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { linalgModule } from './linalgWasm';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', ({ memory, args }) => {
  try {
    const instance = new WebAssembly.Instance(workerData.module, { env: { memory } });
    parentPort.postMessage({ status: instance.exports.bandToTridiagonal(...args) });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.stack) || e) });
  }
});
parentPort.postMessage({ ready: true });
`;

interface Reply {
  ready?: boolean;
  status?: number;
  error?: string;
}

export class SweepHelper {
  private pending: ((r: Reply) => void) | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (r: Reply) => this.settle(r));
    worker.on('error', (e) => this.settle({ error: String(e) }));
    worker.on('exit', (code) => {
      helper = undefined;
      this.settle({ error: `the helper thread exited (code ${code})` });
    });
  }

  private settle(r: Reply): void {
    const p = this.pending;
    this.pending = undefined;
    this.worker.unref();
    p?.(r);
  }

  static start(): Promise<SweepHelper> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: linalgModule() } });
      const h = new SweepHelper(worker);
      h.pending = (r) => (r.ready ? resolve(h) : reject(new Error(r.error ?? 'helper thread failed to start')));
    });
  }

  /** Posts one slice to the worker; resolves with its return code when it has finished. */
  run(memory: WebAssembly.Memory, args: number[]): Promise<number> {
    if (this.pending) return Promise.reject(new Error('the helper thread is busy'));
    return new Promise((resolve, reject) => {
      this.pending = (r) => (r.error !== undefined ? reject(new Error(r.error)) : resolve(r.status ?? 1));
      this.worker.ref();
      this.worker.postMessage({ memory, args });
    });
  }
}

let helper: Promise<SweepHelper | undefined> | undefined;

/** The process's helper thread, or undefined on a single core or where workers cannot start. */
export function sweepHelper(): Promise<SweepHelper | undefined> {
  if (availableParallelism() < 2) return Promise.resolve(undefined);
  helper ??= SweepHelper.start().catch(() => undefined);
  return helper;
}
