import { depthStats as computeDepthStats } from '../../model/depthStats';
import { requireString } from '../errors';
import type { Handler } from './types';

/** Streams every matrix of the model through ‖W‖_F, σ and max |w| per layer and kind (experts folded). */
export const depthStats: Handler<'model/depthStats'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  return computeDepthStats(model, { signal: ctx.signal, onProgress: ctx.onProgress });
};
