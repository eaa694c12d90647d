/**
 * Finished layer-similarity results (one per model and settings), so that re-opening a heatmap —
 * another matrix kind and back, a re-opened panel, the next VS Code session — is instant. Stored
 * by the shared ResultCache; the key holds the model's file identity and every setting that
 * changes the result.
 */
import { modelIdentity } from '../../cache/fileIdentity';
import { ResultCache, type CachedRun } from '../../cache/resultCache';
import type { LayerSimilarityResult } from './layerSimilarity';
import { settingsKey, type SimilaritySettings } from './options';

export { modelIdentity };

/** Bumped whenever the stored result's shape or meaning changes (3: the exact chance level). */
const FORMAT = 3;

/** Results are small (values and histograms per pair): 64 in memory, 256 files on disk. */
const cache = new ResultCache<LayerSimilarityResult>({ folder: 'similarity', memoryCapacity: 64, diskCapacity: 256 });

export function similarityCacheKey(identity: string, settings: SimilaritySettings): string {
  return `v${FORMAT}#${identity}#${settingsKey(settings)}`;
}

/** The result under `key`: from the cache unless `run.force`, else `compute()`'s, stored; `from` says which. */
export function cachedSimilarity(key: string, run: CachedRun, compute: () => Promise<LayerSimilarityResult>) {
  return cache.cached(key, run, compute);
}

/** One entry by hand (tests: a stored result must not outlive the files it was computed from). */
export async function readCachedSimilarity(key: string, cacheDir?: string): Promise<{ result: LayerSimilarityResult; from: 'memory' | 'disk' } | undefined> {
  const hit = await cache.get(key, cacheDir);
  return hit && { result: hit.value, from: hit.from };
}

export function writeCachedSimilarity(key: string, result: LayerSimilarityResult, cacheDir?: string): Promise<void> {
  return cache.set(key, result, cacheDir);
}

/** Forgets every in-memory result (tests; the disk copies stay). */
export function clearSimilarityMemoryCache(): void {
  cache.clearMemory();
}
