/**
 * The extension's end of the worker: forks the worker script with an IPC channel, speaks the typed
 * JSON-RPC table of src/protocol/worker.ts over it, routes progress and partial results to the request that
 * asked, turns an AbortSignal into `$/cancelRequest`, notices when the process dies (out of
 * memory, killed, exited) and starts a fresh one on the next request, backing off when it keeps
 * crashing. No `vscode` import: unit tests drive this class under plain Node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  CancellationTokenSource,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ResponseError,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { JobPartial, JobProgress, ParamsOf, ResultOf, WorkerErrorData, WorkerMethod } from '../../protocol/worker';
import { WORKER_CONFIG_ENV, type WorkerConfig } from '../../protocol/workerConfig';
import { describeCrash, type WorkerCrash } from './crash';

export type WorkerState = 'stopped' | 'idle' | 'busy' | 'crashed';

export interface WorkerConnectionOptions {
  /** The worker script (dist/worker.js, or src/analysis/worker/main.ts with `--import tsx`). */
  modulePath: string;
  execArgv?: string[];
  cwd?: string;
  /** V8 old-space limit of the worker in MiB (`layerLens.workerMaxOldSpaceMB`). */
  maxOldSpaceMB?: number;
  config?: WorkerConfig;
  /** Delay before the second restart in a crash loop; doubles per crash up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A worker that stayed up this long resets the crash count. */
  stableAfterMs?: number;
  /** A cancelled request that has not ended after this long means the worker is stuck: kill it. */
  cancelGraceMs?: number;
  /** Receives the worker's stderr/stdout lines and lifecycle notes. */
  log?: (line: string) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  onPartial?: (data: unknown) => void;
}

/** The worker's own error codes plus those only the client can know. */
export type RequestErrorCode = WorkerErrorData['code'] | 'worker-crashed' | 'worker-stopped' | 'untrusted';

export class WorkerRequestError extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    readonly crash?: WorkerCrash,
  ) {
    super(message);
    this.name = 'WorkerRequestError';
  }
}

/** Params as callers write them: the client fills in `jobId` itself. */
export type RequestParams<M extends WorkerMethod> = Omit<ParamsOf<M>, 'jobId'>;

interface Pending {
  jobId: string;
  opts: RequestOptions;
  fail: (err: WorkerRequestError) => void;
}

interface Running {
  child: ChildProcess;
  connection: MessageConnection;
  startedAt: number;
  /** Set when we end the process on purpose, so its exit is not reported as a crash. */
  stopping: boolean;
  unresponsive: boolean;
  ended: boolean;
  stderrTail: string;
}

const STDERR_TAIL_CHARS = 8192;

type Listener<T> = (value: T) => void;

export class WorkerConnection {
  private running: Running | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextJob = 1;
  private crashCount = 0;
  private lastCrashAt = 0;
  private currentState: WorkerState = 'stopped';
  private disposed = false;
  private readonly stateListeners = new Set<Listener<WorkerState>>();
  private readonly crashListeners = new Set<Listener<WorkerCrash>>();
  private readonly startListeners = new Set<Listener<void>>();

  constructor(private options: WorkerConnectionOptions) {}

  get state(): WorkerState {
    return this.currentState;
  }

  /** Process id of the live worker, if any (tests kill it to simulate a crash). */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  onStateChange(listener: Listener<WorkerState>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onCrash(listener: Listener<WorkerCrash>): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  /** Fires each time a fresh worker process has been started. */
  onStart(listener: Listener<void>): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  async request<M extends WorkerMethod>(method: M, params: RequestParams<M>, opts: RequestOptions = {}): Promise<ResultOf<M>> {
    if (this.disposed) throw new WorkerRequestError('worker-stopped', 'The Layer Lens worker has been shut down.');
    if (opts.signal?.aborted) throw new WorkerRequestError('cancelled', 'The job was cancelled.');
    await this.backoff(opts.signal);
    // The await above yields: an abort that came meanwhile fired before the listener below existed
    // and would be lost (the job would run to completion), so look again.
    if (opts.signal?.aborted) throw new WorkerRequestError('cancelled', 'The job was cancelled.');
    const running = this.ensureRunning();
    const jobId = `job-${this.nextJob++}`;
    const cts = new CancellationTokenSource();
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      cts.cancel();
      // A handler stuck in synchronous code never sees the cancellation: end the process instead.
      graceTimer = setTimeout(() => this.killUnresponsive(running), this.options.cancelGraceMs ?? 2000);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.setState('busy');
    try {
      return await new Promise<ResultOf<M>>((resolve, reject) => {
        this.pending.set(jobId, { jobId, opts, fail: reject });
        running.connection.sendRequest(method, { ...params, jobId }, cts.token).then(
          (r) => resolve(r as ResultOf<M>),
          (e: unknown) => reject(this.toRequestError(e)),
        );
      });
    } catch (err) {
      if (opts.signal?.aborted && err instanceof WorkerRequestError && err.code !== 'cancelled') {
        // The user cancelled; a worker we killed for not stopping is not their error.
        throw new WorkerRequestError('cancelled', 'The job was cancelled.', err.crash);
      }
      throw err;
    } finally {
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      cts.dispose();
      this.pending.delete(jobId);
      if (this.running === running) this.setState(this.pending.size ? 'busy' : 'idle');
    }
  }

  /** New settings take effect in the next process; an idle worker is stopped now so that is soon. */
  reconfigure(options: Partial<WorkerConnectionOptions>): void {
    this.options = { ...this.options, ...options };
    if (this.running && this.pending.size === 0) this.stop();
  }

  /** Ends the worker on purpose; pending requests fail with 'worker-stopped'. */
  stop(): void {
    const running = this.running;
    if (!running) return;
    running.stopping = true;
    this.running = undefined;
    this.failAll(new WorkerRequestError('worker-stopped', 'The Layer Lens worker was stopped.'));
    running.connection.dispose();
    running.child.kill();
    this.setState('stopped');
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.stateListeners.clear();
    this.crashListeners.clear();
    this.startListeners.clear();
  }

  private ensureRunning(): Running {
    if (this.running) return this.running;
    const o = this.options;
    const execArgv = [...(o.execArgv ?? [])];
    if (o.maxOldSpaceMB) execArgv.push(`--max-old-space-size=${Math.round(o.maxOldSpaceMB)}`);
    const child = fork(o.modulePath, [], {
      cwd: o.cwd,
      execArgv,
      env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(o.config ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Structured clone: typed arrays, NaN and Infinity cross intact (JSON would mangle them).
      serialization: 'advanced',
    });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const running: Running = { child, connection, startedAt: Date.now(), stopping: false, unresponsive: false, ended: false, stderrTail: '' };
    const capture = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      running.stderrTail = (running.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      for (const line of text.split('\n')) if (line.trim()) this.options.log?.(`[worker] ${line}`);
    };
    child.stderr?.on('data', capture);
    child.stdout?.on('data', capture);
    child.on('error', (err) => {
      // fork failed (missing node binary): report it like a crash.
      running.stderrTail += `\n${err.message}`;
      if (child.pid === undefined) this.onExit(running, null, null);
    });
    // 'close' (not 'exit') comes after stderr is drained, so V8's out-of-memory banner is in the tail.
    child.on('close', (code, signal) => this.onExit(running, code, signal));
    connection.onNotification('job/progress', (p: JobProgress) => this.pending.get(p.jobId)?.opts.onProgress?.(p));
    connection.onNotification('job/partial', (p: JobPartial) => this.pending.get(p.jobId)?.opts.onPartial?.(p.data));
    // The worker dying closes the channel; onExit reports it, so connection errors need no handling.
    connection.onError(() => undefined);
    connection.listen();
    this.running = running;
    this.options.log?.(`worker started (pid ${child.pid})`);
    this.setState('idle');
    for (const l of this.startListeners) l();
    return running;
  }

  private onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
    if (running.ended) return;
    running.ended = true;
    if (this.running === running) this.running = undefined;
    running.connection.dispose();
    if (running.stopping) return;
    const crash = running.unresponsive
      ? {
          ...describeCrash(code, signal, running.stderrTail, this.options.maxOldSpaceMB),
          reason: 'unresponsive' as const,
          message: `The Layer Lens worker did not stop within ${((this.options.cancelGraceMs ?? 2000) / 1000).toFixed(1)} s of a cancellation and was restarted.`,
        }
      : running.child.pid === undefined
        ? {
            ...describeCrash(code, signal, running.stderrTail, undefined),
            reason: 'spawn-failed' as const,
            message: `The Layer Lens worker could not start: ${running.stderrTail.trim()}`,
          }
        : describeCrash(code, signal, running.stderrTail, this.options.maxOldSpaceMB);
    const uptime = Date.now() - running.startedAt;
    this.crashCount = uptime >= (this.options.stableAfterMs ?? 60_000) ? 1 : this.crashCount + 1;
    this.lastCrashAt = Date.now();
    this.options.log?.(`worker ended: ${crash.message}`);
    this.failAll(new WorkerRequestError('worker-crashed', crash.message, crash));
    if (!this.disposed) this.setState('crashed');
    for (const l of this.crashListeners) l(crash);
  }

  private killUnresponsive(running: Running): void {
    if (this.running !== running || running.stopping) return;
    running.unresponsive = true;
    running.child.kill('SIGKILL');
  }

  /** The first restart after a crash is immediate; each further crash in a row doubles the wait. */
  private async backoff(signal?: AbortSignal): Promise<void> {
    if (this.running || this.crashCount < 2) return;
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.initialBackoffMs ?? 1000) * 2 ** (this.crashCount - 2));
    const wait = this.lastCrashAt + delay - Date.now();
    if (wait <= 0) return;
    this.options.log?.(`worker crashed ${this.crashCount} times in a row; restarting in ${wait} ms`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new WorkerRequestError('cancelled', 'The job was cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private failAll(err: WorkerRequestError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.fail(err);
  }

  private toRequestError(e: unknown): WorkerRequestError {
    if (e instanceof WorkerRequestError) return e;
    if (e instanceof ResponseError) {
      const data = e.data as Partial<WorkerErrorData> | undefined;
      const code = data && typeof data.code === 'string' ? (data.code as WorkerErrorData['code']) : 'internal';
      return new WorkerRequestError(code, typeof data?.message === 'string' ? data.message : e.message);
    }
    return new WorkerRequestError('internal', e instanceof Error ? e.message : String(e));
  }

  private setState(state: WorkerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const l of this.stateListeners) l(state);
  }
}
