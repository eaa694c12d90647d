import { forwardReport } from '../../model/executor/forwardReport';
import { optionalInteger, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** One forward pass of a prompt (token ids or text): top next tokens and hidden-state norms per layer. */
export const forwardRun: Handler<'forward/run'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  const { tokens, text, addBos } = params;
  if (tokens !== undefined && (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && t >= 0))) {
    throw new WorkerError('bad-input', "Parameter 'tokens' must be an array of non-negative integers.");
  }
  if (text !== undefined && typeof text !== 'string') throw new WorkerError('bad-input', "Parameter 'text' must be a string.");
  if ((tokens === undefined) === (text === undefined)) throw new WorkerError('bad-input', "Give exactly one of 'tokens' and 'text'.");
  if (addBos !== undefined && typeof addBos !== 'boolean') throw new WorkerError('bad-input', "Parameter 'addBos' must be a boolean.");
  const top = optionalInteger(params, 'top', 1, 1000);
  return forwardReport(model, { tokens, text, addBos, top }, { signal: ctx.signal, onProgress: ctx.onProgress, engine: await ctx.engine() });
};
