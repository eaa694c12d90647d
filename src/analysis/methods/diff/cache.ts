/**
 * Finished checkpoint diffs, so that re-opening a comparison is instant. One entry per (A's file
 * identity, B's file identity, options), stored by the shared ResultCache; a rewritten checkpoint
 * on either side changes its identity and is compared again.
 */
import { modelIdentity } from '../../cache/fileIdentity';
import type { ModelHandle } from '../../model/types';
import { ResultCache, type CachedRun } from '../../cache/resultCache';
import { resolveDiffOptions, type DiffOptions, type DiffResult } from './diff';

/** Bumped whenever the stored result's shape or meaning changes. */
const FORMAT = 4; // 3: α is WeightWatcher's fit; 4: the router and MLA factors are paired by layer and kind

/** A diff result holds histograms and top singular values per matrix: tens of KB to a few MB. */
const cache = new ResultCache<DiffResult>({ folder: 'diff', memoryCapacity: 16, diskCapacity: 128 });

export async function diffCacheKey(a: ModelHandle, b: ModelHandle, opts: DiffOptions): Promise<string> {
  const settings = { ...resolveDiffOptions(opts), layers: opts.layers ?? null, kinds: opts.kinds ?? null, expert: opts.expert ?? null };
  return `v${FORMAT}#${await modelIdentity(a)}#${await modelIdentity(b)}#${JSON.stringify(settings)}`;
}

/** The diff of B against A under `key`: from the cache unless forced, else computed and stored. */
export async function cachedDiff(key: string, run: CachedRun, compute: () => Promise<DiffResult>): Promise<DiffResult> {
  return (await cache.cached(key, run, compute)).value;
}
