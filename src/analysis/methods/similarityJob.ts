/**
 * A layer-similarity run as the worker and the CLI start it: served from the result cache when
 * the same model files and settings were analysed before, otherwise computed (pairs streamed as
 * they finish) and stored.
 */
import type { Engine } from '../engine/engine';
import type { JobContext } from '../jobs';
import type { ModelHandle } from '../model/types';
import { layerSimilarity, type LayerSimilarityResult, type PairResult, type SimilarityPlan } from './layerSimilarity';
import { modelIdentity, readCachedSimilarity, similarityCacheKey, writeCachedSimilarity } from './similarityCache';
import type { SimilaritySettings } from './similarityOptions';

export interface SimilarityJobResult extends LayerSimilarityResult {
  /** Where the result came from: computed now, or the cache. */
  cached: false | 'memory' | 'disk';
}

/**
 * What a 'similarity/run' job streams through 'job/partial': first its plan (layers, shapes,
 * indices), then each pair as soon as it is computed (a pair comes again when its heavy indices do).
 */
export type SimilarityPartial = { type: 'plan'; plan: SimilarityPlan } | { type: 'pair'; pair: PairResult };

export interface SimilarityJobOptions extends JobContext {
  /** Folder for results on disk (the extension's global storage); memory only when absent. */
  cacheDir?: string;
  /** Compute even when a cached result exists. */
  force?: boolean;
  onPartial?: (data: SimilarityPartial) => void;
}

export async function runSimilarityJob(engine: Engine, model: ModelHandle, settings: SimilaritySettings, opts: SimilarityJobOptions = {}): Promise<SimilarityJobResult> {
  const key = similarityCacheKey(await modelIdentity(model), settings);
  if (!opts.force) {
    const hit = await readCachedSimilarity(key, opts.cacheDir);
    if (hit) return { ...hit.result, cached: hit.from };
  }
  const result = await layerSimilarity(engine, model, {
    ...settings,
    signal: opts.signal,
    onProgress: opts.onProgress,
    onPlan: (plan) => opts.onPartial?.({ type: 'plan', plan }),
    onPair: (pair) => opts.onPartial?.({ type: 'pair', pair: structuredClone(pair) }),
  });
  await writeCachedSimilarity(key, result, opts.cacheDir);
  return { ...result, cached: false };
}
