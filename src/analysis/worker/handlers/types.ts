/**
 * What a worker handler is: an async function from a request's params to its result, given the
 * job's cancellation signal, progress and partial-result callbacks, the worker's cache of open
 * models and its shared compute engine. Handlers know nothing about JSON-RPC; worker.ts adapts them.
 */
import type { Engine } from '../../engine/engine';
import type { JobContext, Progress } from '../../jobs';
import type { ModelHandle } from '../../model/types';
import type { ParamsOf, ResultOf, WorkerMethod } from '../../../protocol/worker';

export interface HandlerContext extends JobContext {
  /** Fires when the caller cancels ($/cancelRequest) or the worker shuts down. */
  signal: AbortSignal;
  onProgress: (p: Progress) => void;
  /** Streams a piece of the result before the job ends (a `job/partial` notification). */
  onPartial: (data: unknown) => void;
  /** The model at `path`, opened once and reused while its files are unchanged on disk. */
  model(path: string): Promise<ModelHandle>;
  /** The process-wide engine built from the worker's settings (providers, memory budget). */
  engine(): Promise<Engine>;
}

export type Handler<M extends WorkerMethod> = (params: ParamsOf<M>, ctx: HandlerContext) => Promise<ResultOf<M>>;

/** Every method of the protocol must have exactly one handler: the compiler checks the table. */
export type HandlerTable = { [M in WorkerMethod]: Handler<M> };
