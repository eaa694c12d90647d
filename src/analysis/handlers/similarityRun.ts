import { parseSimilaritySettings } from '../methods/similarityOptions';
import { runSimilarityJob } from '../methods/similarityJob';
import { requireString, WorkerError } from '../workerErrors';
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
  const cacheDir = params.cacheDir;
  if (cacheDir !== undefined && (typeof cacheDir !== 'string' || cacheDir.length === 0)) throw new WorkerError('bad-input', "Parameter 'cacheDir' must be a folder path.");
  return runSimilarityJob(await ctx.engine(), model, settings, {
    cacheDir,
    force: params.force === true,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onPartial: ctx.onPartial,
  });
};
