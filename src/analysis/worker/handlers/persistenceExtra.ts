/**
 * The persistence request besides its `persistence/run` (derived from the analysis's object):
 * 'persistence/prune', the panel's "Prune and evaluate".
 */
import { runPruneJob, type PruneJobParams } from '../../methods/persistence/job';
import { optionalInteger, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** Writes a copy without the given layers and compares perplexities on a held-out text. */
export const persistencePrune: Handler<'persistence/prune'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  const outDir = requireString(params, 'outDir');
  if (!Array.isArray(params.layers) || !params.layers.every((l) => Number.isInteger(l) && l >= 0)) {
    throw new WorkerError('bad-input', "Parameter 'layers' must be a list of layer indices.");
  }
  const h = params.heldOut as PruneJobParams['heldOut'] | undefined;
  if (h !== undefined && !((h.kind === 'file' && typeof h.path === 'string') || (h.kind === 'text' && typeof h.text === 'string') || h.kind === 'builtin')) {
    throw new WorkerError('bad-input', "Parameter 'heldOut' must be {kind:'file', path}, {kind:'text', text} or {kind:'builtin'}.");
  }
  return runPruneJob(
    model,
    { layers: params.layers, outDir, heldOut: h, maxEvalTokens: optionalInteger(params, 'maxEvalTokens', 2, 1 << 20) },
    { signal: ctx.signal, onProgress: ctx.onProgress, engine: await ctx.engine() },
  );
};
