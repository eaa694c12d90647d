import { tensorStats as computeTensorStats } from '../../model/summary';
import { optionalInteger, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** Streams one tensor through min/max/mean/std/zeros/non-finite counts, a histogram, and the detail the model editor shows (quantiles, top outliers, |W| image). */
export const tensorStats: Handler<'tensor/stats'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  const name = requireString(params, 'tensor');
  if (!model.tensors.has(name)) throw new WorkerError('not-found', `The model has no tensor named '${name}'.`);
  const bins = optionalInteger(params, 'bins', 1, 4096);
  return computeTensorStats(model, name, { bins, detail: true, signal: ctx.signal, onProgress: ctx.onProgress });
};
