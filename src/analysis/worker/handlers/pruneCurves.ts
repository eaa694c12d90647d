/**
 * 'persistence/pruneCurves': perplexity (and multiple-choice accuracy) against layers removed for
 * the zigzag, angular-block and Block Influence methods; each measured point is streamed as a
 * partial result.
 */
import { parsePruneCurvesParams } from '../../methods/persistence/evaluation/options';
import { runPruneCurvesJob } from '../../methods/persistence/evaluation/job';
import { cachedRunParams, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

export const persistencePruneCurves: Handler<'persistence/pruneCurves'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  let options;
  try {
    options = parsePruneCurvesParams(params);
  } catch (err) {
    throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
  }
  return runPruneCurvesJob(model, options, {
    engine: await ctx.engine(),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onPartial: ctx.onPartial,
    ...cachedRunParams(params),
  });
};
