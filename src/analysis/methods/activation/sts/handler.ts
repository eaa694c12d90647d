/**
 * The worker request 'activation/sts': the semantic-similarity analysis on the model at `path`,
 * with the worker's engine, the request's cancellation and per-sentence progress.
 */
import { requireString, WorkerError } from '../../../worker/errors';
import type { Handler } from '../../../worker/handlers/types';
import { runStsJob } from './job';
import { parseStsParams } from './options';

export const activationSts: Handler<'activation/sts'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  let options;
  try {
    options = parseStsParams(params);
  } catch (err) {
    throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
  }
  return runStsJob(model, options, { engine: await ctx.engine(), signal: ctx.signal, onProgress: ctx.onProgress });
};
