/**
 * The correlations panel's request besides its run (`correlations/run` is derived from the analysis
 * object): `correlations/values`, the entries of the two matrices behind one head measure.
 */
import { parseHeadValuesQuery } from '../../methods/correlations/options';
import { headValues } from '../../methods/correlations/values';
import { requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** The entries of the two matrices behind one head measure (the panel's value scatter). */
export const correlationsValues: Handler<'correlations/values'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  let query;
  try {
    query = parseHeadValuesQuery(params);
  } catch (err) {
    throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
  }
  if (!model.layers.some((l) => l.index === query.layer)) throw new WorkerError('not-found', `${model.path} has no layer ${query.layer}.`);
  return headValues(model, query, { signal: ctx.signal });
};
