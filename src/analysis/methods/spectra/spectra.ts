/**
 * Random-matrix theory of a whole model's weights (spec §3), streamed matrix by matrix: for each
 * chosen layer and matrix kind, the spectrum of the whole matrix (spectrum.ts) and, for q, k, v, o,
 * of every attention head's slice; the KS randomness of singular vectors averaged per head and per
 * layer ("randomness vs depth"). Each finished matrix is reported as a partial result and cached,
 * so a cancelled or repeated run resumes without recomputing what it already has.
 */
import type { Engine } from '../../engine/engine';
import type { Matrix } from '../../linalg/matrix';
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { CachedRun } from '../../cache/resultCache';
import { headSlice, matrixRef, readMatrix } from '../../model/readRole';
import {
  EXPERT_ROLES,
  EXTRA_MATRIX_KINDS,
  MATRIX_KINDS,
  MATRIX_ROLES,
  type ExpertRole,
  type ExpertSelector,
  type LayerInfo,
  type MatrixKind,
  type MatrixRole,
  type ModelHandle,
} from '../../model/types';
import { analyzeSpectrum, DEFAULT_SHUFFLE_SEED, type Spectrum, type VectorSide } from './spectrum';
import { ALPHA_FITS, DEFAULT_ALPHA_FIT, type AlphaFit } from '../../stats/powerLaw';
import { modelIdentity } from '../../cache/fileIdentity';
import { ResultCache } from '../../cache/resultCache';
import { headFlag } from '../common/checkedRead';
import { weightFlag, type WeightFlag } from '../common/nonFinite';
import { expertLabel } from './expertTable';
import { sourceLabel } from '../../model/sourceTensors';

// Finished entries, kept so that a re-run (other layers, after a cancel, a re-opened panel, the
// next VS Code session) computes only what is new; the key holds the model's file identity and
// every option that changes the entry.

/**
 * Bumped whenever the stored entry's shape or meaning changes. 2: α by WeightWatcher's fit by
 * default (the fit is part of the key) and WeightWatcher's log_alpha_norm, num_pl_spikes,
 * matrix_rank, entropy, σ_mp and mp_softrank in every spectrum. 3: entries of any matrix kind
 * (the router, MLA factors) and of one expert (the key names the expert). 4: the entry-shuffled
 * matrix's histogram (`Spectrum.shuffled`) in every spectrum that keeps its values.
 */
const FORMAT = 4;

/** A 16-layer model's full run is 112 matrices; a file is ≈ 100 KB for a 2048-wide matrix with its heads. */
const cache = new ResultCache<MatrixSpectra>({ folder: 'spectra', memoryCapacity: 1024, diskCapacity: 1024 });

function spectraCacheKey(identity: string, layer: number, kind: MatrixKind, expert: ExpertSelector | undefined, options: SpectraResult['options']): string {
  const o = options;
  return `v${FORMAT}#${identity}#${layer}#${kind}#x${expert ?? ''}#h${+o.heads}#${o.vectorSide}#mv${+o.matrixVectors}#rd${+o.randDistance}#s${o.seed}#k${+o.keepValues}#af${o.alphaFit}`;
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

/**
 * Which experts of mixture-of-experts layers are analysed (their gate, up, down): none (default;
 * those layers then have attention, router and MLA matrices only), every routed expert and the
 * shared one, only the shared expert, or the routed experts of these indices.
 */
export type ExpertChoice = 'none' | 'all' | 'shared' | number[];

export interface SpectraOptions {
  /** Layer indices (default: every layer). */
  layers?: number[];
  /**
   * Matrix kinds: the seven roles and the extra kinds (`router`, MLA's `q_a`, `q_b`, `kv_a`,
   * `kv_b`). Default: the seven and every extra kind the chosen layers hold.
   */
  kinds?: MatrixKind[];
  /** Experts of mixture-of-experts layers whose gate/up/down are analysed (default 'none'). */
  experts?: ExpertChoice;
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
  kind: MatrixKind;
  /** Set on an expert's gate/up/down: the routed expert's index or `shared`. */
  expert?: ExpertSelector;
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
  kind: MatrixKind;
  expert?: ExpertSelector;
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
  kinds: MatrixKind[];
  options: Required<Omit<SpectraOptions, 'layers' | 'kinds'>>;
  entries: MatrixSpectra[];
  /**
   * Mean KS p per layer (in `layers` order) for each analysed kind: the "randomness vs depth" curves
   * (matrices outside experts only).
   */
  randomnessByDepth: Partial<Record<MatrixKind, (number | null)[]>>;
  /**
   * The layer × expert grid of the expert entries, when experts were analysed: the mixture-of-experts
   * layers (rows), the experts (columns, routed in order then `shared`) and the expert kinds;
   * expertTable (expertTable.ts) reads one kind's metric over it.
   */
  expertGrid?: ExpertGrid;
  /** What was left out and why (mixture-of-experts layers without an expert choice). */
  notes?: string[];
  /** Matrices holding NaN/Inf, left out of `entries` (their values are null in randomnessByDepth). */
  nonFinite: FlaggedSpectra[];
  /** Matrices taken from the cache rather than computed. */
  cached: number;
  seconds: number;
}

export interface ExpertGrid {
  layers: number[];
  experts: ExpertSelector[];
  kinds: ExpertRole[];
}

/** Cached per matrix: `force` recomputes every matrix and replaces its entry. */
export interface SpectraContext extends JobContext, CachedRun {
  engine?: Engine;
  /** Receives each matrix's result as soon as it is done. */
  onPartial?: (entry: MatrixSpectra) => void;
}

function hasKind(info: LayerInfo | undefined, kind: MatrixKind): boolean {
  return !!(info?.roles[kind as MatrixRole] ?? info?.extra?.[kind as (typeof EXTRA_MATRIX_KINDS)[number]]);
}

function checkExperts(experts: unknown): ExpertChoice {
  if (experts === 'none' || experts === 'all' || experts === 'shared') return experts;
  if (Array.isArray(experts) && experts.length > 0 && experts.every((e) => Number.isInteger(e) && e >= 0))
    return [...new Set(experts as number[])].sort((a, b) => a - b);
  throw new Error(`experts must be 'none', 'all', 'shared' or a non-empty list of expert indices, got ${JSON.stringify(experts)}`);
}

export function resolveSpectraOptions(model: ModelHandle, opts: SpectraOptions): { layers: number[]; kinds: MatrixKind[]; options: SpectraResult['options'] } {
  const count = model.layers.length;
  if (count === 0) throw new Error(`${model.path} has no transformer layers to analyse`);
  const layers = opts.layers ?? model.layers.map((l) => l.index);
  for (const l of layers) {
    if (!Number.isInteger(l) || !model.layers.some((info) => info.index === l)) {
      throw new Error(`layer ${l} does not exist: the model has layers 0–${count - 1}`);
    }
  }
  const chosen = new Set(layers);
  const present = EXTRA_MATRIX_KINDS.filter((k) => model.layers.some((l) => chosen.has(l.index) && hasKind(l, k)));
  const kinds = opts.kinds ?? [...MATRIX_ROLES, ...present];
  for (const k of kinds) if (!MATRIX_KINDS.includes(k)) throw new Error(`unknown matrix kind '${String(k)}': use one of ${MATRIX_KINDS.join(', ')}`);
  const experts = checkExperts(opts.experts ?? 'none');
  const vectorSide = opts.vectorSide ?? 'right';
  if (vectorSide !== 'right' && vectorSide !== 'left') throw new Error(`vector side must be 'right' or 'left', got '${String(vectorSide)}'`);
  const alphaFit = opts.alphaFit ?? DEFAULT_ALPHA_FIT;
  if (!ALPHA_FITS.includes(alphaFit)) throw new Error(`alpha fit must be ${ALPHA_FITS.map((f) => `'${f}'`).join(' or ')}, got '${String(alphaFit)}'`);
  return {
    layers: [...new Set(layers)].sort((a, b) => a - b),
    kinds: MATRIX_KINDS.filter((k) => kinds.includes(k)),
    options: {
      experts,
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

function headCount(model: ModelHandle, kind: MatrixKind): number {
  const a = model.attention;
  if (!a) return 0;
  return kind === 'k' || kind === 'v' ? a.numKvHeads : kind === 'q' || kind === 'o' ? a.numHeads : 0;
}

function mean(values: number[]): number | null {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
}

/** The name of a matrix in flags and tables: `up`, `up e3`, `up shared`. */
export function matrixLabel(kind: MatrixKind, expert?: ExpertSelector): string {
  return expert === undefined ? kind : `${kind} ${expertLabel(expert)}`;
}

async function analyzeMatrix(
  model: ModelHandle,
  layer: number,
  kind: MatrixKind,
  expert: ExpertSelector | undefined,
  options: SpectraResult['options'],
  ctx: SpectraContext,
): Promise<MatrixSpectra | FlaggedSpectra> {
  // Only the signal: the reader's byte progress would garble the job's matrix-by-matrix progress.
  // The same read and check as readRoleChecked, for any kind and expert.
  const ref = matrixRef(model, layer, kind, expert);
  const read = () => readMatrix(model, ref, { signal: ctx.signal });
  // `let`, emptied when the matrix is handed over: V8 keeps an async function's locals across its awaits.
  let W: Matrix | undefined = await read();
  const shape: [number, number] = [W.rows, W.cols];
  const flag = weightFlag({ layer, role: matrixLabel(kind, expert), tensor: sourceLabel(ref.source) }, W.data);
  const at = expert === undefined ? {} : { expert };
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
    const flagged: FlaggedSpectra = { ...flag, kind, ...at, shape, headFlags: [], heads: [] };
    for (let h = 0; h < heads; h++) {
      throwIfCancelled(ctx.signal);
      const slice = headSlice(model, W, kind as MatrixRole, h);
      const hf = headFlag(model, layer, kind as MatrixRole, h, slice);
      if (hf) flagged.headFlags.push(hf);
      else flagged.heads.push({ head: h, spectrum: await analyzeSpectrum(slice, common, ctx) });
      await yieldToEventLoop();
    }
    return flagged;
  }
  if (heads === 0) {
    // The matrix is not needed afterwards: it is handed over in a box, which the analysis may
    // empty during the decomposition (reading it again for rand_distance) and shuffles in place.
    const box = { matrix: W as Matrix | undefined, reread: read };
    W = undefined;
    const spectrum = await analyzeSpectrum(box, { ...common, vectors: options.matrixVectors }, ctx);
    return { layer, kind, ...at, shape, spectrum, meanP: spectrum.vectors?.meanP ?? null };
  }
  const spectrum = await analyzeSpectrum(W, { ...common, vectors: options.matrixVectors }, ctx);
  const entry: MatrixSpectra = { layer, kind, ...at, shape, spectrum, meanP: null, heads: [] };
  for (let h = 0; h < heads; h++) {
    throwIfCancelled(ctx.signal);
    entry.heads?.push({ head: h, spectrum: await analyzeSpectrum(headSlice(model, W, kind as MatrixRole, h), common, ctx) });
    await yieldToEventLoop();
  }
  entry.meanP = mean((entry.heads ?? []).map((x) => x.spectrum.vectors?.meanP ?? NaN));
  return entry;
}

export async function runSpectra(model: ModelHandle, opts: SpectraOptions = {}, ctx: SpectraContext = {}): Promise<SpectraResult> {
  const t0 = performance.now();
  const { layers, kinds, options } = resolveSpectraOptions(model, opts);
  const { todo, grid, notes } = planMatrices(model, layers, kinds, options.experts);
  if (todo.length === 0) throw new Error(`none of the matrix kinds ${kinds.join(', ')} was found in layers ${layers.join(', ')} of ${model.path}`);
  const identity = await modelIdentity(model);
  const entries: MatrixSpectra[] = [];
  const nonFinite: FlaggedSpectra[] = [];
  let cached = 0;
  for (let i = 0; i < todo.length; i++) {
    throwIfCancelled(ctx.signal);
    const { layer, kind, expert } = todo[i];
    ctx.onProgress?.({ done: i, total: todo.length, message: `layer ${layer} ${matrixLabel(kind, expert)}` });
    const key = spectraCacheKey(identity, layer, kind, expert, options);
    let entry = ctx.force ? undefined : await readCachedSpectra(key, ctx.cacheDir);
    if (entry) cached++;
    else {
      const got = await analyzeMatrix(model, layer, kind, expert, options, ctx);
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
    randomnessByDepth[kind] = layers.map((layer) => entries.find((e) => e.layer === layer && e.kind === kind && e.expert === undefined)?.meanP ?? null);
  }
  const extra: Pick<SpectraResult, 'expertGrid' | 'notes'> = {};
  if (grid) extra.expertGrid = grid;
  if (notes.length) extra.notes = notes;
  return {
    model: model.path,
    architecture: model.architecture,
    layers,
    kinds,
    options,
    entries,
    randomnessByDepth,
    nonFinite,
    ...extra,
    cached,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One matrix to analyse: a layer's kind, or one expert's gate/up/down. */
export interface PlannedMatrix {
  layer: number;
  kind: MatrixKind;
  expert?: ExpertSelector;
}

/**
 * The matrices of a run, in layer then kind order (the experts of a kind in expert order, shared
 * last); the layer × expert grid when any expert is analysed; notes on what is left out.
 */
export function planMatrices(
  model: ModelHandle,
  layers: number[],
  kinds: MatrixKind[],
  experts: ExpertChoice,
): { todo: PlannedMatrix[]; grid?: ExpertGrid; notes: string[] } {
  const todo: PlannedMatrix[] = [];
  const notes: string[] = [];
  const expertKinds = EXPERT_ROLES.filter((k) => kinds.includes(k));
  const moeLayers: number[] = [];
  const columns = new Set<ExpertSelector>();
  let maxExperts = 0;
  for (const layer of layers) {
    const info = model.layers.find((l) => l.index === layer);
    const moe = info?.moe;
    if (moe) maxExperts = Math.max(maxExperts, moe.experts.length);
    const chosen: ExpertSelector[] = !moe
      ? []
      : experts === 'none'
        ? []
        : experts === 'shared'
          ? moe.shared
            ? ['shared']
            : []
          : experts === 'all'
            ? [...moe.experts.keys(), ...(moe.shared ? (['shared'] as const) : [])]
            : experts.filter((e) => e < moe.experts.length);
    if (moe && expertKinds.length && chosen.length) moeLayers.push(layer);
    for (const kind of kinds) {
      if (moe && (EXPERT_ROLES as readonly string[]).includes(kind) && !hasKind(info, kind)) {
        for (const expert of chosen) {
          const m = expert === 'shared' ? moe.shared : moe.experts[expert];
          if (m?.[kind as ExpertRole]) {
            todo.push({ layer, kind, expert });
            columns.add(expert);
          }
        }
      } else if (hasKind(info, kind)) todo.push({ layer, kind });
    }
  }
  const moeCount = layers.filter((l) => model.layers.find((i) => i.index === l)?.moe).length;
  if (Array.isArray(experts) && moeCount > 0 && experts.some((e) => e >= maxExperts))
    throw new Error(
      `expert ${experts.filter((e) => e >= maxExperts).join(', ')} does not exist: the mixture-of-experts layers have experts 0…${maxExperts - 1}`,
    );
  if (experts === 'none' && moeCount > 0 && expertKinds.length)
    notes.push(
      `${moeCount} mixture-of-experts layer${moeCount === 1 ? '' : 's'} (${layers.filter((l) => model.layers.find((i) => i.index === l)?.moe).join(', ')}): ` +
        `their ${expertKinds.join('/')} are experts, left out unless experts are chosen (all, shared or expert indices)`,
    );
  if (experts === 'shared' && moeCount > 0 && columns.size === 0) notes.push('the mixture-of-experts layers have no shared expert');
  if (moeLayers.length === 0 || columns.size === 0) return { todo, notes };
  const order = [...columns].sort((a, b) => (a === 'shared' ? Infinity : a) - (b === 'shared' ? Infinity : b));
  return { todo, grid: { layers: moeLayers, experts: order, kinds: expertKinds }, notes };
}
