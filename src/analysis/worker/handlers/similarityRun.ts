import { parseSimilaritySettings } from '../../methods/similarity/options';
import { runSimilarityJob } from '../../methods/similarity/job';
import { cachedRunParams, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** DOCS and baseline similarity of a model's layers for one matrix kind, pairs streamed as they finish. */
export const similarityRun: Handler<'similarity/run'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  let settings;
  try {
    settings = parseSimilaritySettings(params);
  } catch (err) {
    throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
  }
  return runSimilarityJob(await ctx.engine(), model, settings, {
    ...cachedRunParams(params),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onPartial: ctx.onPartial,
  });
};
