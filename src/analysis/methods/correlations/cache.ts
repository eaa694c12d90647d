/**
 * Finished per-layer correlations, so that re-running (other layers, after a cancel, a re-opened
 * panel, the next VS Code session) only computes what is new. Stored by the shared ResultCache,
 * one entry per layer; the key holds the model's file identity and the pinv cutoff. Entries are
 * copied in and out because the caller fills in run-specific fields of the layers it returns.
 */
import { ResultCache } from '../../cache/resultCache';
import type { LayerCorrelations } from './correlations';

/** Bumped whenever the stored entry's shape or meaning changes. */
const FORMAT = 2;

/** A layer file is ≈ 5 KB for 32 heads. */
const cache = new ResultCache<LayerCorrelations>({ folder: 'correlations', memoryCapacity: 1024, diskCapacity: 2048 });

export function correlationsCacheKey(identity: string, layer: number, rcond: number | undefined): string {
  return `v${FORMAT}#${identity}#${layer}#rc${rcond ?? 'default'}`;
}

export async function readCachedCorrelations(key: string, cacheDir?: string): Promise<LayerCorrelations | undefined> {
  const hit = await cache.get(key, cacheDir);
  return hit && structuredClone(hit.value);
}

export function writeCachedCorrelations(key: string, entry: LayerCorrelations, cacheDir?: string): Promise<void> {
  return cache.set(key, structuredClone(entry), cacheDir);
}

/** Forgets every in-memory entry (tests; the disk copies stay). */
export function clearCorrelationsMemoryCache(): void {
  cache.clearMemory();
}
