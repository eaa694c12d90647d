/**
 * Every worker request and the function that serves it. To add one: declare it in src/protocol/worker.ts
 * (`WorkerRequests`), write `handlers/<name>.ts` exporting a `Handler<'<method>'>`, and add one
 * line below. The `HandlerTable` type makes a request without a handler a compile error.
 */
import { ANALYSES, type AnalysisId } from '../../methods/index';
import { analysisRun } from './analysisRun';
import type { Handler, HandlerTable } from './types';
import { engineInfo } from './engineInfo';
import { modelOpen } from './modelOpen';
import { tensorStats } from './tensorStats';
import { forwardRun } from './forwardRun';
import { diffRun } from './diffRun';
import { correlationsValues } from './correlationsExtra';
import { persistencePrune } from './persistenceExtra';
import { persistencePruneCurves } from './pruneCurves';
import { activationPruneExperiment } from './activationPruneExperiment';
import { depthStats } from './depthStats';
import { activationSts } from '../../methods/activation/sts/handler';

/** `<id>/run` of every analysis, derived from its object. */
const analysisHandlers = Object.fromEntries(ANALYSES.map((a) => [`${a.id}/run`, analysisRun(a)])) as {
  [M in `${AnalysisId}/run`]: Handler<M>;
};

export const handlers: HandlerTable = {
  ...analysisHandlers,
  'engine/info': engineInfo,
  'model/open': modelOpen,
  'tensor/stats': tensorStats,
  'forward/run': forwardRun,
  'correlations/values': correlationsValues,
  'diff/run': diffRun,
  'persistence/prune': persistencePrune,
  'persistence/pruneCurves': persistencePruneCurves,
  'activation/pruneExperiment': activationPruneExperiment,
  'model/depthStats': depthStats,
  'activation/sts': activationSts,
};
