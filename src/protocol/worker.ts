/**
 * The one message protocol between the extension host and the analysis worker (JSON-RPC over the
 * child process's IPC channel, via vscode-jsonrpc). Every request is declared here once, as
 * `method name → { params, result }`; both sides are typed from this table. Cancellation uses
 * JSON-RPC's own `$/cancelRequest`, which the worker turns into an AbortSignal. Long jobs carry a
 * `jobId` so that their progress and partial results can be streamed as notifications.
 */
import type { ModelSummary, TensorStats } from '../analysis/model/summary';
import type { EngineInfo } from '../analysis/engine/info';
import type { ForwardParams, ForwardReport } from '../analysis/model/executor/forwardReport';
import type { AnyAnalysis } from '../analysis/methods/index';
import type { OptionsOf, ResultOf as AnalysisResult } from '../analysis/methods/analysis';
import type { DiffOptions, DiffResult } from '../analysis/methods/diff/diff';
import type { HeadValuesQuery } from '../analysis/methods/correlations/options';
import type { HeadValues } from '../analysis/methods/correlations/values';
import type { CachedRun } from '../analysis/cache/resultCache';
export type { CachedRun } from '../analysis/cache/resultCache';
import type { PruneJobParams, PruneJobResult } from '../analysis/methods/persistence/job';
import type { PruneCurvesParams, PruneCurvesResult } from '../analysis/methods/persistence/evaluation/job';
import type { PruneExperimentJobParams, PruneExperimentJobResult } from '../analysis/methods/activation/experiments/job';
import type { DepthStats } from '../analysis/model/depthStats';
import type { StsJobParams, StsJobResult } from '../analysis/methods/activation/sts/job';

/**
 * Which execution provider and how many threads computed a result. The worker stamps it on the
 * result of every request whose handler used the engine, so no analysis can forget it.
 */
export interface ComputedWith {
  provider: string;
  threads: number;
}

/** What the worker answers for a request: the handler's result, stamped when the engine computed it. */
export type Stamped<T> = T extends object ? T & { computedWith?: ComputedWith } : T;

export interface JobParams {
  /** Chosen by the caller; progress and partial-result notifications carry it back. */
  jobId: string;
}

/** `<id>/run` of every analysis in the table (src/analysis/methods/index.ts), typed from its object. */
export type AnalysisRequests = {
  [A in AnyAnalysis as `${A['id']}/run`]: {
    params: JobParams & CachedRun & { path: string } & OptionsOf<A>;
    result: AnalysisResult<A>;
  };
};

/** The analyses' run requests, and the requests whose shape is their own. */
export interface WorkerRequests extends AnalysisRequests {
  'model/open': { params: { path: string }; result: ModelSummary };
  'tensor/stats': { params: JobParams & { path: string; tensor: string; bins?: number }; result: TensorStats };
  'engine/info': { params: Record<string, never>; result: EngineInfo };
  'forward/run': { params: JobParams & { path: string } & ForwardParams; result: ForwardReport };
  'correlations/values': { params: JobParams & { path: string } & HeadValuesQuery; result: HeadValues };
  'diff/run': { params: JobParams & CachedRun & { pathA: string; pathB: string } & DiffOptions; result: DiffResult };
  'persistence/prune': { params: JobParams & { path: string } & PruneJobParams; result: PruneJobResult };
  'persistence/pruneCurves': { params: JobParams & CachedRun & { path: string } & PruneCurvesParams; result: PruneCurvesResult };
  'activation/pruneExperiment': { params: JobParams & { path: string } & PruneExperimentJobParams; result: PruneExperimentJobResult };
  'model/depthStats': { params: JobParams & { path: string }; result: DepthStats };
  'activation/sts': { params: JobParams & { path: string } & StsJobParams; result: StsJobResult };
}

export type WorkerMethod = keyof WorkerRequests;
export type ParamsOf<M extends WorkerMethod> = WorkerRequests[M]['params'];
export type ResultOf<M extends WorkerMethod> = Stamped<WorkerRequests[M]['result']>;

export interface JobProgress {
  jobId: string;
  done: number;
  total: number;
  message?: string;
}

/** A piece of a job's result sent before the job ends (e.g. one finished layer pair). */
export interface JobPartial {
  jobId: string;
  data: unknown;
}

export interface WorkerNotifications {
  'job/progress': JobProgress;
  'job/partial': JobPartial;
}

/** Errors cross the process boundary as data: a stable code plus a message meant for the user. */
export interface WorkerErrorData {
  code: 'cancelled' | 'bad-input' | 'not-found' | 'internal';
  message: string;
}
