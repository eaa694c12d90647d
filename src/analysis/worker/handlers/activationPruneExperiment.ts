/**
 * 'activation/pruneExperiment': Wanda pruning at uniform vs activation-density-derived layer
 * ratios and held-out perplexity (and, with `domains`, per calibration domain), the activation
 * panel's "Run pruning experiment".
 */
import { parsePruneExperimentOptions } from '../../methods/activation/experiments/options';
import { runPruneExperimentJob } from '../../methods/activation/experiments/job';
import { requireString, WorkerError } from '../errors';
import type { Handler } from './types';

export const activationPruneExperiment: Handler<'activation/pruneExperiment'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  let options;
  try {
    options = parsePruneExperimentOptions(params);
  } catch (e) {
    throw new WorkerError('bad-input', (e as Error).message);
  }
  return runPruneExperimentJob(model, options, { signal: ctx.signal, onProgress: ctx.onProgress, engine: await ctx.engine() });
};
