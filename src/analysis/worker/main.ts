/**
 * The analysis worker: a child process the extension forks (dist/worker.js). It serves the
 * JSON-RPC table of src/protocol/worker.ts over the IPC channel, runs each request's handler with an
 * AbortSignal wired to `$/cancelRequest`, streams progress and partial results as notifications
 * keyed by the request's `jobId`, and turns every error into WorkerErrorData. Nothing here is
 * specific to one analysis: handlers/index.ts lists them.
 */
import { stat } from 'node:fs/promises';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, type CancellationToken } from 'vscode-jsonrpc/node';
import { getEngine } from '../engine/engine';
import { handlers } from './handlers/index';
import type { HandlerContext } from './handlers/types';
import type { Progress } from '../jobs';
import { ModelCache } from './modelCache';
import { openModel } from '../model/openModel';
import type { EngineInfo } from '../engine/info';
import type { ComputedWith, JobPartial, JobProgress, WorkerMethod } from '../../protocol/worker';
import { parseWorkerConfig, WORKER_CONFIG_ENV } from '../../protocol/workerConfig';
import { toWorkerErrorData } from './errors';

/** JSON-RPC error codes: LSP's RequestCancelled for cancellations, RequestFailed for the rest. */
const REQUEST_CANCELLED = -32800;
const REQUEST_FAILED = -32803;
/** Progress is throttled so a fast loop cannot flood the channel; the final step always goes out. */
const PROGRESS_INTERVAL_MS = 50;

if (!process.send) {
  console.error('Layer Lens worker: must be started with an IPC channel (child_process.fork).');
  process.exit(2);
}

const { config, warnings } = parseWorkerConfig(process.env[WORKER_CONFIG_ENV]);
for (const w of warnings) console.error(`Layer Lens worker: ${w}`);

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
const models = new ModelCache(openModel, config.modelCacheSize ?? 4);
const shutdown = new AbortController();

function jobIdOf(params: unknown): string | undefined {
  const id = (params as { jobId?: unknown } | null)?.jobId;
  return typeof id === 'string' ? id : undefined;
}

function contextFor(params: unknown, token: CancellationToken): { ctx: HandlerContext; computedWith: () => ComputedWith | undefined; dispose: () => void } {
  const jobId = jobIdOf(params);
  const abort = new AbortController();
  const onShutdown = () => abort.abort();
  shutdown.signal.addEventListener('abort', onShutdown);
  const cancelSub = token.onCancellationRequested(() => abort.abort());
  let lastProgress = 0;
  let usedEngine: EngineInfo | undefined;
  const ctx: HandlerContext = {
    signal: abort.signal,
    onProgress: (p: Progress) => {
      if (!jobId) return;
      const now = Date.now();
      if (p.done < p.total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      const msg: JobProgress = { jobId, done: p.done, total: p.total, message: p.message };
      void connection.sendNotification('job/progress', msg);
    },
    onPartial: (data: unknown) => {
      if (!jobId) return;
      const msg: JobPartial = { jobId, data };
      void connection.sendNotification('job/partial', msg);
    },
    model: async (path: string) => {
      // A missing path is 'not-found' (ENOENT from stat), not a problem with a file's contents.
      await stat(path);
      return models.get(path);
    },
    engine: async () => {
      const engine = await getEngine({ providers: config.executionProviders, memoryBudgetMB: config.memoryBudgetMB });
      usedEngine = engine.info;
      return engine;
    },
  };
  return {
    ctx,
    computedWith: () => (usedEngine ? { provider: usedEngine.provider, threads: usedEngine.threads } : undefined),
    dispose: () => {
      cancelSub.dispose();
      shutdown.signal.removeEventListener('abort', onShutdown);
    },
  };
}

/** Adds `computedWith` to an object result computed with the engine (see src/protocol/worker.ts). */
function stamp<T>(result: T, computedWith: ComputedWith | undefined): T {
  if (!computedWith || result === null || typeof result !== 'object' || Array.isArray(result)) return result;
  return { ...result, computedWith };
}

function register<M extends WorkerMethod>(method: M): void {
  const handler = handlers[method];
  connection.onRequest(method, async (params: unknown, token: CancellationToken) => {
    const { ctx, computedWith, dispose } = contextFor(params, token);
    try {
      // Params cross a process boundary; each handler validates the fields it reads.
      const result = await handler(params as Parameters<typeof handler>[0], ctx);
      return stamp(result, computedWith());
    } catch (err) {
      const data = toWorkerErrorData(ctx.signal.aborted ? new DOMException('aborted', 'AbortError') : err);
      if (data.code === 'internal') console.error(`Layer Lens worker: ${method} failed:`, err);
      throw new ResponseError(data.code === 'cancelled' ? REQUEST_CANCELLED : REQUEST_FAILED, data.message, data);
    } finally {
      dispose();
    }
  });
}

for (const method of Object.keys(handlers) as WorkerMethod[]) register(method);

// The extension went away: stop, rather than linger as an orphan holding gigabytes.
process.on('disconnect', () => {
  shutdown.abort();
  process.exit(0);
});
connection.onClose(() => process.exit(0));
process.on('unhandledRejection', (reason) => {
  console.error('Layer Lens worker: unhandled rejection:', reason);
});

connection.listen();
