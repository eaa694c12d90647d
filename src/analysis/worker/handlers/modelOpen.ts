import { summarize } from '../../model/summary';
import { requireString } from '../errors';
import type { Handler } from './types';

/** Header-only: parses the safetensors headers and config, maps layers and roles, reads no weights. */
export const modelOpen: Handler<'model/open'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  return summarize(model);
};
