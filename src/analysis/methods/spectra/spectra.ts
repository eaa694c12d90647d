/**
 * Random-matrix theory of a whole model's weights (spec §3), streamed matrix by matrix: for each
 * chosen layer and matrix kind, the spectrum of the whole matrix (spectrum.ts) and, for q, k, v, o,
 * of every attention head's slice; the KS randomness of singular vectors averaged per head and per
 * layer ("randomness vs depth"). Each finished matrix is reported as a partial result and cached,
 * so a cancelled or repeated run resumes without recomputing what it already has.
 */
import type { Engine } from '../../engine/engine';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { CachedRun } from '../../cache/resultCache';
import { headSlice } from '../../model/readRole';
import { MATRIX_ROLES, type MatrixRole, type ModelHandle } from '../../model/types';
import { analyzeSpectrum, DEFAULT_SHUFFLE_SEED, type Spectrum, type VectorSide } from './spectrum';
import { ALPHA_FITS, DEFAULT_ALPHA_FIT, type AlphaFit } from '../../stats/powerLaw';
import { modelIdentity } from '../../cache/fileIdentity';
import { ResultCache } from '../../cache/resultCache';
import { headFlag, readRoleChecked } from '../common/checkedRead';
import type { WeightFlag } from '../common/nonFinite';

// Finished entries, kept so that a re-run (other layers, after a cancel, a re-opened panel, the
// next VS Code session) computes only what is new; the key holds the model's file identity and
// every option that changes the entry.

/**
 * Bumped whenever the stored entry's shape or meaning changes. 2: α by WeightWatcher's fit by
 * default (the fit is part of the key) and WeightWatcher's log_alpha_norm, num_pl_spikes,
 * matrix_rank, entropy, σ_mp and mp_softrank in every spectrum.
 */
const FORMAT = 2;

/** A 16-layer model's full run is 112 matrices; a file is ≈ 100 KB for a 2048-wide matrix with its heads. */
const cache = new ResultCache<MatrixSpectra>({ folder: 'spectra', memoryCapacity: 1024, diskCapacity: 1024 });

function spectraCacheKey(identity: string, layer: number, kind: MatrixRole, options: SpectraResult['options']): string {
  const o = options;
  return `v${FORMAT}#${identity}#${layer}#${kind}#h${+o.heads}#${o.vectorSide}#mv${+o.matrixVectors}#rd${+o.randDistance}#s${o.seed}#k${+o.keepValues}#af${o.alphaFit}`;
}

async function readCachedSpectra(key: string, cacheDir?: string): Promise<MatrixSpectra | undefined> {
  return (await cache.get(key, cacheDir))?.value;
}

function writeCachedSpectra(key: string, entry: MatrixSpectra, cacheDir?: string): Promise<void> {
  return cache.set(key, entry, cacheDir);
}

/** Forgets every in-memory entry (tests; the disk copies stay). */
export function clearSpectraMemoryCache(): void {
  cache.clearMemory();
}

export const HEAD_KINDS: readonly MatrixRole[] = ['q', 'k', 'v', 'o'];

export interface SpectraOptions {
  /** Layer indices (default: every layer). */
  layers?: number[];
  /** Matrix kinds (default: all seven). */
  kinds?: MatrixRole[];
  /** Analyse every attention head of q, k, v, o as well (default true). */
  heads?: boolean;
  /**
   * Singular vectors tested for randomness (default 'right': length = the matrix's `in`). A head of
   * o is its column slice transposed to [hd, d] (methods.md), like the q, k, v row slices, so the
   * right vectors of every head run over the hidden size d and the left ones over hd.
   */
  vectorSide?: VectorSide;
  /** Test the singular vectors of whole matrices too, not only of heads (default true). */
  matrixVectors?: boolean;
  /** Compute rand_distance (default true). */
  randDistance?: boolean;
  /** Seed of rand_distance's entry shuffle. */
  seed?: number;
  /** Keep singular values and per-vector p-values for plots (default true). */
  keepValues?: boolean;
  /**
   * How the power-law α is fitted (default 'ww'): WeightWatcher's fit, so α, alpha_weighted and
   * log_alpha_norm equal WeightWatcher's; or 'clauset', x_min leaving ≥ 10 eigenvalues by the
   * two-sided KS distance (docs/methods.md §3).
   */
  alphaFit?: AlphaFit;
}

export interface HeadSpectrum {
  head: number;
  spectrum: Spectrum;
}

export interface MatrixSpectra {
  layer: number;
  kind: MatrixRole;
  /** `[out, in]`. */
  shape: [number, number];
  spectrum: Spectrum;
  heads?: HeadSpectrum[];
  /**
   * Mean KS p of this matrix's singular vectors: over its heads (mean of the per-head means) for
   * q, k, v, o when heads are analysed, over the whole matrix's vectors otherwise; null when not tested.
   */
  meanP: number | null;
}

/**
 * A matrix holding NaN/Inf: it has no spectrum (an SVD of NaN is NaN) and no entry in `entries`, so
 * its heatmap cell and its point of randomness vs depth are not computable. Heads whose slice is
 * finite are still analysed: their spectra equal those of a clean model.
 */
export interface FlaggedSpectra extends WeightFlag {
  kind: MatrixRole;
  /** `[out, in]`. */
  shape: [number, number];
  /** Head slices holding NaN/Inf. */
  headFlags: WeightFlag[];
  /** Spectra of the finite heads. */
  heads: HeadSpectrum[];
}

export interface SpectraResult {
  model: string;
  architecture: string;
  layers: number[];
  kinds: MatrixRole[];
  options: Required<Omit<SpectraOptions, 'layers' | 'kinds'>>;
  entries: MatrixSpectra[];
  /** Mean KS p per layer (in `layers` order) for each analysed kind: the "randomness vs depth" curves. */
  randomnessByDepth: Partial<Record<MatrixRole, (number | null)[]>>;
  /** Matrices holding NaN/Inf, left out of `entries` (their values are null in randomnessByDepth). */
  nonFinite: FlaggedSpectra[];
  /** Matrices taken from the cache rather than computed. */
  cached: number;
  seconds: number;
}

/** Cached per matrix: `force` recomputes every matrix and replaces its entry. */
export interface SpectraContext extends JobContext, CachedRun {
  engine?: Engine;
  /** Receives each matrix's result as soon as it is done. */
  onPartial?: (entry: MatrixSpectra) => void;
}

export function resolveSpectraOptions(model: ModelHandle, opts: SpectraOptions): { layers: number[]; kinds: MatrixRole[]; options: SpectraResult['options'] } {
  const count = model.layers.length;
  if (count === 0) throw new Error(`${model.path} has no transformer layers to analyse`);
  const layers = opts.layers ?? model.layers.map((l) => l.index);
  for (const l of layers) {
    if (!Number.isInteger(l) || !model.layers.some((info) => info.index === l)) {
      throw new Error(`layer ${l} does not exist: the model has layers 0–${count - 1}`);
    }
  }
  const kinds = opts.kinds ?? [...MATRIX_ROLES];
  for (const k of kinds) if (!MATRIX_ROLES.includes(k)) throw new Error(`unknown matrix kind '${String(k)}': use one of ${MATRIX_ROLES.join(', ')}`);
  const vectorSide = opts.vectorSide ?? 'right';
  if (vectorSide !== 'right' && vectorSide !== 'left') throw new Error(`vector side must be 'right' or 'left', got '${String(vectorSide)}'`);
  const alphaFit = opts.alphaFit ?? DEFAULT_ALPHA_FIT;
  if (!ALPHA_FITS.includes(alphaFit)) throw new Error(`alpha fit must be ${ALPHA_FITS.map((f) => `'${f}'`).join(' or ')}, got '${String(alphaFit)}'`);
  return {
    layers: [...new Set(layers)].sort((a, b) => a - b),
    kinds: MATRIX_ROLES.filter((k) => kinds.includes(k)),
    options: {
      heads: opts.heads !== false,
      vectorSide,
      matrixVectors: opts.matrixVectors !== false,
      randDistance: opts.randDistance !== false,
      seed: opts.seed ?? DEFAULT_SHUFFLE_SEED,
      keepValues: opts.keepValues !== false,
      alphaFit,
    },
  };
}

function headCount(model: ModelHandle, kind: MatrixRole): number {
  const a = model.attention;
  if (!a) return 0;
  return kind === 'k' || kind === 'v' ? a.numKvHeads : kind === 'q' || kind === 'o' ? a.numHeads : 0;
}

function mean(values: number[]): number | null {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
}

async function analyzeMatrix(
  model: ModelHandle,
  layer: number,
  kind: MatrixRole,
  options: SpectraResult['options'],
  ctx: SpectraContext,
): Promise<MatrixSpectra | FlaggedSpectra> {
  // Only the signal: the reader's byte progress would garble the job's matrix-by-matrix progress.
  const { matrix: W, flag } = await readRoleChecked(model, layer, kind, { signal: ctx.signal });
  const heads = options.heads ? headCount(model, kind) : 0;
  const common = {
    vectorSide: options.vectorSide,
    randDistance: options.randDistance,
    seed: options.seed,
    keepValues: options.keepValues,
    alphaFit: options.alphaFit,
    engine: ctx.engine,
  };
  if (flag) {
    const flagged: FlaggedSpectra = { ...flag, kind, shape: [W.rows, W.cols], headFlags: [], heads: [] };
    for (let h = 0; h < heads; h++) {
      throwIfCancelled(ctx.signal);
      const slice = headSlice(model, W, kind, h);
      const hf = headFlag(model, layer, kind, h, slice);
      if (hf) flagged.headFlags.push(hf);
      else flagged.heads.push({ head: h, spectrum: await analyzeSpectrum(slice, common, ctx) });
      await yieldToEventLoop();
    }
    return flagged;
  }
  const spectrum = await analyzeSpectrum(W, { ...common, vectors: options.matrixVectors }, ctx);
  const entry: MatrixSpectra = { layer, kind, shape: [W.rows, W.cols], spectrum, meanP: spectrum.vectors?.meanP ?? null };
  if (heads > 0) {
    entry.heads = [];
    for (let h = 0; h < heads; h++) {
      throwIfCancelled(ctx.signal);
      entry.heads.push({ head: h, spectrum: await analyzeSpectrum(headSlice(model, W, kind, h), common, ctx) });
      await yieldToEventLoop();
    }
    entry.meanP = mean(entry.heads.map((x) => x.spectrum.vectors?.meanP ?? NaN));
  }
  return entry;
}

export async function runSpectra(model: ModelHandle, opts: SpectraOptions = {}, ctx: SpectraContext = {}): Promise<SpectraResult> {
  const t0 = performance.now();
  const { layers, kinds, options } = resolveSpectraOptions(model, opts);
  const todo: { layer: number; kind: MatrixRole }[] = [];
  for (const layer of layers) {
    const info = model.layers.find((l) => l.index === layer);
    for (const kind of kinds) if (info?.roles[kind]) todo.push({ layer, kind });
  }
  if (todo.length === 0) throw new Error(`none of the matrix kinds ${kinds.join(', ')} was found in layers ${layers.join(', ')} of ${model.path}`);
  const identity = await modelIdentity(model);
  const entries: MatrixSpectra[] = [];
  const nonFinite: FlaggedSpectra[] = [];
  let cached = 0;
  for (let i = 0; i < todo.length; i++) {
    throwIfCancelled(ctx.signal);
    const { layer, kind } = todo[i];
    ctx.onProgress?.({ done: i, total: todo.length, message: `layer ${layer} ${kind}` });
    const key = spectraCacheKey(identity, layer, kind, options);
    let entry = ctx.force ? undefined : await readCachedSpectra(key, ctx.cacheDir);
    if (entry) cached++;
    else {
      const got = await analyzeMatrix(model, layer, kind, options, ctx);
      if ('headFlags' in got) {
        // Not cached: re-reading finds the flag again, and a repaired file has a new identity anyway.
        nonFinite.push(got);
        continue;
      }
      entry = got;
      await writeCachedSpectra(key, entry, ctx.cacheDir);
    }
    entries.push(entry);
    ctx.onPartial?.(entry);
    await yieldToEventLoop();
  }
  ctx.onProgress?.({ done: todo.length, total: todo.length });
  const randomnessByDepth: SpectraResult['randomnessByDepth'] = {};
  for (const kind of kinds) {
    randomnessByDepth[kind] = layers.map((layer) => entries.find((e) => e.layer === layer && e.kind === kind)?.meanP ?? null);
  }
  return {
    model: model.path,
    architecture: model.architecture,
    layers,
    kinds,
    options,
    entries,
    randomnessByDepth,
    nonFinite,
    cached,
    seconds: (performance.now() - t0) / 1000,
  };
}
