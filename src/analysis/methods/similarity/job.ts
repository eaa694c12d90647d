/**
 * A layer-similarity run as the worker and the CLI start it: served from the result cache when
 * the same model files and settings were analysed before, otherwise computed (pairs streamed as
 * they finish) and stored.
 */
import type { Engine } from '../../engine/engine';
import type { JobContext } from '../../jobs';
import type { CachedRun } from '../../cache/resultCache';
import type { ModelHandle } from '../../model/types';
import { layerSimilarity, pairKey, type LayerSimilarityResult, type PairResult, type SimilarityPlan } from './layerSimilarity';
import { cachedSimilarity, modelIdentity, similarityCacheKey } from './cache';
import type { SimilaritySettings } from './options';

export interface SimilarityJobResult extends LayerSimilarityResult {
  /** Where the result came from: computed now, or the cache. */
  cached: false | 'memory' | 'disk';
  /** Pairs taken over from an earlier, cancelled run of the same files and settings. */
  resumedPairs?: number;
}

/**
 * Complete pairs of runs that were cancelled or failed, per result-cache key (so per model files
 * and settings): re-running picks up where the run stopped. Memory only, a few runs' worth (a pair
 * holds its values and two small histograms); a finished run replaces its entry by the result.
 */
const unfinished = new Map<string, Map<string, PairResult>>();
const UNFINISHED_RUNS = 8;

export function clearUnfinishedSimilarityRuns(): void {
  unfinished.clear();
}

/**
 * What a 'similarity/run' job streams through 'job/partial': first its plan (layers, shapes,
 * indices), then each pair as soon as it is computed (a pair comes again when its heavy indices do).
 */
export type SimilarityPartial = { type: 'plan'; plan: SimilarityPlan } | { type: 'pair'; pair: PairResult };

export interface SimilarityJobOptions extends JobContext, CachedRun {
  onPartial?: (data: SimilarityPartial) => void;
}

export async function runSimilarityJob(
  engine: Engine,
  model: ModelHandle,
  settings: SimilaritySettings,
  opts: SimilarityJobOptions = {},
): Promise<SimilarityJobResult> {
  const key = similarityCacheKey(await modelIdentity(model), settings);
  let resumedPairs = 0;
  const { value, from } = await cachedSimilarity(key, opts, async () => {
    const earlier = opts.force ? undefined : unfinished.get(key);
    const done = new Map<string, PairResult>();
    unfinished.delete(key);
    unfinished.set(key, done);
    while (unfinished.size > UNFINISHED_RUNS) unfinished.delete(unfinished.keys().next().value as string);
    let result: LayerSimilarityResult;
    try {
      result = await layerSimilarity(engine, model, {
        ...settings,
        signal: opts.signal,
        onProgress: opts.onProgress,
        resume: earlier,
        onPlan: (plan) => opts.onPartial?.({ type: 'plan', plan }),
        onPair: (pair) => {
          if (pair.complete) done.set(pairKey(pair.layerA, pair.layerB), structuredClone(pair));
          opts.onPartial?.({ type: 'pair', pair: structuredClone(pair) });
        },
      });
    } catch (e) {
      // Keep what the earlier attempt had too, in case this one stopped before re-reporting it.
      for (const [k, v] of earlier ?? []) if (!done.has(k)) done.set(k, v);
      throw e;
    }
    unfinished.delete(key);
    resumedPairs = earlier
      ? result.pairs.filter((p) => earlier.has(pairKey(p.layerA, p.layerB)) && earlier.get(pairKey(p.layerA, p.layerB))!.complete).length
      : 0;
    return result;
  });
  return { ...value, cached: from, ...(resumedPairs ? { resumedPairs } : {}) };
}
