/**
 * Finished per-matrix spectra, so that re-running the analysis (other layers, after a cancel, a
 * re-opened panel, the next VS Code session) only computes what is new. Stored by the shared
 * ResultCache, one entry per matrix; the key holds the model's file identity and every option
 * that changes the result.
 */
import type { MatrixRole } from '../../model/types';
import { ResultCache } from '../../cache/resultCache';
import type { MatrixSpectra, SpectraResult } from './spectra';

export { modelIdentity } from '../../cache/fileIdentity';

/** Bumped whenever the stored entry's shape or meaning changes. */
const FORMAT = 1;

/** A 16-layer model's full run is 112 matrices; a file is ≈ 100 KB for a 2048-wide matrix with its heads. */
const cache = new ResultCache<MatrixSpectra>({ folder: 'spectra', memoryCapacity: 1024, diskCapacity: 1024 });

export function spectraCacheKey(identity: string, layer: number, kind: MatrixRole, options: SpectraResult['options']): string {
  const o = options;
  return `v${FORMAT}#${identity}#${layer}#${kind}#h${+o.heads}#${o.vectorSide}#mv${+o.matrixVectors}#rd${+o.randDistance}#s${o.seed}#k${+o.keepValues}`;
}

export async function readCachedSpectra(key: string, cacheDir?: string): Promise<MatrixSpectra | undefined> {
  return (await cache.get(key, cacheDir))?.value;
}

export function writeCachedSpectra(key: string, entry: MatrixSpectra, cacheDir?: string): Promise<void> {
  return cache.set(key, entry, cacheDir);
}

/** Forgets every in-memory entry (tests; the disk copies stay). */
export function clearSpectraMemoryCache(): void {
  cache.clearMemory();
}
