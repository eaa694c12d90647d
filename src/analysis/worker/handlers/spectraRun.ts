import { runSpectra } from '../../methods/spectra/spectra';
import { parseSpectraOptions } from '../../methods/spectra/options';
import { cachedRunParams, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** Random-matrix spectra of a model's weights, streamed matrix by matrix. */
export const spectraRun: Handler<'spectra/run'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  let options;
  try {
    options = parseSpectraOptions(params);
  } catch (err) {
    throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
  }
  return runSpectra(model, options, { engine: await ctx.engine(), signal: ctx.signal, onProgress: ctx.onProgress, onPartial: ctx.onPartial, ...cachedRunParams(params) });
};
