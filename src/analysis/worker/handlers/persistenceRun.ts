import { runPersistenceJob, runPruneJob, type PruneJobParams } from '../../methods/persistence/job';
import { checkPromptSources } from '../../methods/persistence/options';
import { cachedRunParams, optionalInteger, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

/** Zigzag persistence similarity of the hidden states over a prompt set. */
export const persistenceRun: Handler<'persistence/run'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  const ratios = params.ratios;
  if (ratios !== undefined && !(Array.isArray(ratios) && ratios.length > 0 && ratios.every((p) => typeof p === 'number' && p > 0 && p <= 1))) {
    throw new WorkerError('bad-input', "Parameter 'ratios' must be a non-empty list of numbers in (0, 1].");
  }
  let prompts;
  try {
    prompts = checkPromptSources(params.prompts);
  } catch (e) {
    throw new WorkerError('bad-input', (e as Error).message);
  }
  return runPersistenceJob(
    model,
    {
      prompts,
      k: optionalInteger(params, 'k', 1, 100),
      maxDim: optionalInteger(params, 'maxDim', 1, 5),
      maxTokens: optionalInteger(params, 'maxTokens', 1, 1 << 20),
      batchSize: optionalInteger(params, 'batchSize', 1, 1024),
      ratios,
    },
    { ...cachedRunParams(params), signal: ctx.signal, onProgress: ctx.onProgress, engine: await ctx.engine() },
  );
};

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
