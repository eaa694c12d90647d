/**
 * The worker's `<id>/run` handler of an analysis, derived from its `Analysis` object: open (or reuse)
 * the model, validate the options with the analysis's parseOptions (a failure is 'bad-input'), and
 * run it with the worker's engine, the job's signal, progress and partial results, and the request's
 * result cache.
 */
import type { Analysis } from '../../methods/analysis';
import { cachedRunParams, requireString, WorkerError } from '../errors';
import type { HandlerContext } from './types';

export function analysisRun(a: Analysis): (params: unknown, ctx: HandlerContext) => Promise<unknown> {
  return async (params, ctx) => {
    const model = await ctx.model(requireString(params, 'path'));
    let options: unknown;
    try {
      options = a.parseOptions(params);
    } catch (err) {
      throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
    }
    return a.run(model, options, {
      engine: await ctx.engine(),
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      onPartial: ctx.onPartial,
      ...cachedRunParams(params),
    });
  };
}
