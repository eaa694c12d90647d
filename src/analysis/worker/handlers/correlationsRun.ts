import { runCorrelations } from '../../methods/correlations/correlations';
import { parseCorrelationsOptions, parseHeadValuesQuery } from '../../methods/correlations/options';
import { headValues } from '../../methods/correlations/values';
import { cachedRunParams, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

function badInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
  }
}

/** Weight correlations M1–M8 of a model's attention heads and MLPs, streamed layer by layer. */
export const correlationsRun: Handler<'correlations/run'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  const options = badInput(() => parseCorrelationsOptions(params));
  return runCorrelations(model, options, {
    engine: await ctx.engine(),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onPartial: ctx.onPartial,
    ...cachedRunParams(params),
  });
};

/** The entries of the two matrices behind one head measure (the panel's value scatter). */
export const correlationsValues: Handler<'correlations/values'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  const query = badInput(() => parseHeadValuesQuery(params));
  if (!model.layers.some((l) => l.index === query.layer)) throw new WorkerError('not-found', `${model.path} has no layer ${query.layer}.`);
  return headValues(model, query, { signal: ctx.signal });
};
