import { parseSimilaritySettings } from '../methods/similarityOptions';
import { runSimilarityJob } from '../methods/similarityJob';
import { requireString, WorkerError, optionalCacheDir } from '../workerErrors';
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
  const cacheDir = optionalCacheDir(params);
  return runSimilarityJob(await ctx.engine(), model, settings, {
    cacheDir,
    force: params.force === true,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onPartial: ctx.onPartial,
  });
};
