import { runDiff } from '../../methods/diff/diff';
import { openDiffSides } from '../../model/adapter/diffSides';
import { cachedDiff, diffCacheKey } from '../../methods/diff/cache';
import { parseDiffOptions } from '../../methods/diff/options';
import { cachedRunParams, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** Checkpoint diff of model B against model A, streamed matrix pair by matrix pair. */
export const diffRun: Handler<'diff/run'> = async (params, ctx) => {
  const pathA = requireString(params, 'pathA');
  const pathB = requireString(params, 'pathB');
  let options;
  try {
    options = parseDiffOptions(params);
  } catch (err) {
    throw new WorkerError('bad-input', err instanceof Error ? err.message : String(err));
  }
  const run = cachedRunParams(params);
  const [a, b] = await openDiffSides(pathA, pathB, (p) => ctx.model(p));
  return cachedDiff(await diffCacheKey(a, b, options), run, async () =>
    runDiff(a, b, options, { engine: await ctx.engine(), signal: ctx.signal, onProgress: ctx.onProgress, onPartial: ctx.onPartial }),
  );
};
