/**
 * Zigzag persistence similarity of hidden-state clouds (methods.md §5): per cloud a symmetric k-NN
 * graph and its clique complex, the zigzag barcode across clouds, and its descriptors (Betti
 * curves, S_p(i, j), the normalised heatmap, S̄_p(ℓ), pruning suggestions). The Block Influence
 * and angular-distance baselines are not computed from these clouds but from the residual stream
 * of the same forward passes (baselines.ts; the job adds them to the result).
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Engine } from '../../engine/engine';
import type { Matrix } from '../../linalg/matrix';
import { knnGraph } from '../../tda/knn';
import { cliqueComplex } from '../../tda/cliques';
import { simplexCount, type Complex } from '../../tda/complex';
import { barLayers, zigzagBarcode, type ZigzagBar } from '../../tda/zigzag';
import {
  averageSimilarity,
  bettiCurve,
  maxPrunedLayers,
  normalisedHeatmap,
  pruningSuggestion,
  similarityMatrix,
  type LayerBar,
  type PruningSuggestion,
} from './descriptors';
import type { ResidualStreamBaselines } from './baselines';
import { DEFAULT_K, DEFAULT_MAX_DIM, DEFAULT_MAX_PRUNED_SHARE, DEFAULT_RATIOS } from './defaults';

export interface PersistenceOptions {
  /** Neighbours per point (default 5). */
  k?: number;
  /**
   * Clique complex dimension (default 4, the paper's and its code's `--dim=4`); homology is
   * reported in dimensions 0..maxDim-1.
   */
  maxDim?: number;
  /** Pruning ratios p (default 0.9 and 0.8). */
  ratios?: number[];
  /** Largest share of the decoder layers a suggestion removes, in (0, 1) (default 0.5; see maxPrunedLayers). */
  maxPrunedShare?: number;
  /** Block sizes n of the residual-stream angular distances (default 1..min(4, L)); used by the job. */
  angularBlocks?: number[];
}

// The defaults live in a leaf module so that the option validators (imported by the extension host) need none of the maths.
export { DEFAULT_K, DEFAULT_MAX_DIM, DEFAULT_MAX_PRUNED_SHARE, DEFAULT_RATIOS } from './defaults';

export interface PersistenceTimings {
  knnMs: number;
  complexMs: number;
  /** Building the coned filtration of the zigzag (bookkeeping of simplex instances). */
  zigzagBuildMs: number;
  reductionMs: number;
}

export interface PersistenceResult {
  /** One name per cloud: 'layer 0 post-attention norm' … 'final norm'. */
  cloudNames: string[];
  decoderLayers: number;
  points: number;
  k: number;
  maxDim: number;
  homologyDims: number[];
  /** [cloud][dim]: simplex counts of each clique complex. */
  simplexCounts: number[][];
  /** Bars over zigzag positions (K_ℓ at 2ℓ, K_ℓ∩K_ℓ₊₁ at 2ℓ+1), death exclusive; dimensions < maxDim. */
  positionBars: ZigzagBar[];
  /** The same bars in cloud indices (zero-length ones dropped); death = clouds means alive at the end. */
  bars: LayerBar[];
  /** [dim][cloud]. */
  betti: number[][];
  /** [dim][i][j] = S_p(i, j). */
  similarity: number[][][];
  /** [dim][i][j] = S_p(i, j)/β_p(i). */
  heatmap: number[][][];
  /** [dim][cloud] = S̄_p(ℓ). */
  averageSimilarity: number[][];
  /** On H₁ (or H₀ when maxDim < 2 leaves no H₁), one per ratio, each cut to maxPrunedLayers. */
  suggestions: PruningSuggestion[];
  /** The run's largest share of layers removed, and the count it allows: min(L − 1, max(1, ⌊share · L⌋)). */
  maxPrunedShare: number;
  maxPrunedLayers: number;
  suggestionDim: number;
  /**
   * ShortGPT's Block Influence and Gromov et al.'s angular distances on the residual stream
   * (hidden_states[ℓ] → hidden_states[ℓ + n]), from the same forward passes; absent when the
   * analysis ran on clouds alone (no model).
   */
  residualStream?: ResidualStreamBaselines;
  instances: number;
  timings: PersistenceTimings;
}

export function validatePersistenceOptions(o: PersistenceOptions): Required<PersistenceOptions> & { angularBlocks: number[] } {
  const k = o.k ?? DEFAULT_K,
    maxDim = o.maxDim ?? DEFAULT_MAX_DIM,
    ratios = o.ratios ?? DEFAULT_RATIOS,
    maxPrunedShare = o.maxPrunedShare ?? DEFAULT_MAX_PRUNED_SHARE;
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new Error(`k (neighbours) must be an integer in [1, 100], got ${k}`);
  if (!Number.isInteger(maxDim) || maxDim < 1 || maxDim > 5) throw new Error(`dim (clique complex dimension) must be an integer in [1, 5], got ${maxDim}`);
  if (!Array.isArray(ratios) || ratios.length === 0 || !ratios.every((p) => typeof p === 'number' && p > 0 && p <= 1))
    throw new Error('pruning ratios must be numbers in (0, 1]');
  if (typeof maxPrunedShare !== 'number' || !(maxPrunedShare > 0 && maxPrunedShare < 1))
    throw new Error(`the largest share of layers pruned must be a number in (0, 1), got ${maxPrunedShare}`);
  return { k, maxDim, ratios, maxPrunedShare, angularBlocks: o.angularBlocks ?? [] };
}

/**
 * Runs the analysis on L + 1 clouds of the same prompts ([prompts, hidden] each), the last one
 * being the final norm's output (so decoder layers = clouds - 1).
 */
export async function persistenceAnalysis(
  engine: Engine,
  clouds: Matrix[],
  cloudNames: string[],
  opts: PersistenceOptions & JobContext = {},
): Promise<PersistenceResult> {
  const { k, maxDim, ratios, maxPrunedShare } = validatePersistenceOptions(opts);
  if (clouds.length < 2) throw new Error(`the zigzag needs at least 2 point clouds, got ${clouds.length}`);
  const P = clouds[0].rows;
  if (clouds.some((c) => c.rows !== P)) throw new Error('every cloud must hold the same prompts');
  if (P <= k) throw new Error(`${P} prompts are too few for k = ${k} neighbours: use more prompts or a smaller k`);
  const C = clouds.length;
  const timings: PersistenceTimings = { knnMs: 0, complexMs: 0, zigzagBuildMs: 0, reductionMs: 0 };
  const complexes: Complex[] = [];
  const total = C + 2;
  for (const [l, cloud] of clouds.entries()) {
    throwIfCancelled(opts.signal);
    let t = performance.now();
    const g = await knnGraph(engine, cloud, k, { signal: opts.signal });
    timings.knnMs += performance.now() - t;
    t = performance.now();
    complexes.push(cliqueComplex(g, maxDim));
    timings.complexMs += performance.now() - t;
    opts.onProgress?.({ done: l + 1, total, message: `complex of ${cloudNames[l] ?? `cloud ${l}`}` });
    await yieldToEventLoop();
  }
  opts.onProgress?.({ done: C, total, message: 'zigzag reduction' });
  const zz = await zigzagBarcode(complexes, { signal: opts.signal });
  timings.zigzagBuildMs = zz.buildMs;
  timings.reductionMs = zz.reduceMs;
  // H_maxDim of a complex cut at maxDim misses the (maxDim+1)-simplices that would kill it: not reported.
  const positionBars = zz.bars.filter((b) => b.dim < maxDim);
  const bars = positionBars.map(barLayers).filter((b) => b.birth < b.death);
  const homologyDims = Array.from({ length: maxDim }, (_, p) => p);
  const similarity = homologyDims.map((p) => similarityMatrix(bars, p, C));
  const average = similarity.map(averageSimilarity);
  const suggestionDim = Math.min(1, maxDim - 1);
  const maxPruned = maxPrunedLayers(C - 1, maxPrunedShare);
  opts.onProgress?.({ done: total, total, message: 'descriptors' });
  return {
    cloudNames,
    decoderLayers: C - 1,
    points: P,
    k,
    maxDim,
    homologyDims,
    simplexCounts: complexes.map((c) => c.byDim.map((_, p) => simplexCount(c, p))),
    positionBars,
    bars,
    betti: homologyDims.map((p) => bettiCurve(bars, p, C)),
    similarity,
    heatmap: similarity.map(normalisedHeatmap),
    averageSimilarity: average,
    suggestions: ratios.map((p) => pruningSuggestion(average[suggestionDim], C - 1, p, maxPruned)),
    suggestionDim,
    maxPrunedShare,
    maxPrunedLayers: maxPruned,
    instances: zz.instances,
    timings,
  };
}
