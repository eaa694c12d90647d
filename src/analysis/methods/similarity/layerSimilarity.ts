/**
 * Layer similarity of a whole model (spec §1, issue "Layer similarity"): for one matrix kind
 * (q, k, v, o, gate, up, down), DOCS and the baseline indices of every pair of layers, adjacent
 * pairs only, or the pairs of a picked subset. Each finished pair is handed to `onPair` at once,
 * so a heatmap fills in while the job runs. DOCS and the cheap indices come first for every pair;
 * SVCCA and Procrustes (an SVD per layer) follow in a second pass that updates the same pairs.
 * Layers whose matrices differ in shape are reported as not comparable, never truncated.
 */
import type { Engine } from '../../engine/engine';
import { CancelledError, throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Matrix } from '../../linalg/matrix';
import { readKindChecked } from '../common/checkedRead';
import { notComputableReason, type WeightFlag } from '../common/nonFinite';
import { matrixRef } from '../../model/readRole';
import { MATRIX_KINDS, type ExpertRole, type ExpertSelector, type LayerInfo, type MatrixKind, type MatrixRole, type ModelHandle } from '../../model/types';
import { hasExpertKind, readExpertChecked } from '../experts/read';
import { clusterFloor, findClusters, type ClusterResult } from './clusters';
import { docsChanceLevel } from './chanceLevel';
import { int8CopyBytes, int8DocsMemory } from '../../engine/kernels/int8Memory';
import { quantizedVectors } from '../../engine/kernels/int8Quantize';
import { docsOfNormalized, docsPathFor, resolveOrientation, type DocsPath, type Orientation } from './docs';
import {
  baselineIndices,
  type IndexDetails,
  DEFAULT_INDICES,
  HEAVY_INDICES,
  SIMILARITY_INDICES,
  spectralFeatures,
  centreColumns,
  type SimilarityIndex,
} from './indices';
import { LayerCache, layerBytes, planPairs, type PairMode } from './plan';
import { prepareCompared, type ComparedMatrix } from './compared';
import type { SimilaritySettings } from './options';

/** The run's settings (SimilaritySettings: kind, pairs, layers, orientation, indices, threshold) plus in-process hooks. */
export interface LayerSimilarityOptions extends JobContext, SimilaritySettings {
  /** Bins of the row/column max-|cos| histograms kept per pair (default 40). */
  histogramBins?: number;
  /** Bytes of layers to keep in memory; default half the engine's memory budget. */
  cacheBudgetBytes?: number;
  /** Called once before the first pair, with what the job will compute (a panel sizes its heatmap). */
  onPlan?: (plan: SimilarityPlan) => void;
  /** Called with every pair as soon as it is computed (again when the heavy indices arrive). */
  onPair?: (pair: PairResult) => void;
  /**
   * Complete pairs of an earlier run of the same model files and settings that was cancelled,
   * keyed by pairKey(layerA, layerB): they are reported again (onPair) instead of recomputed.
   */
  resume?: ReadonlyMap<string, PairResult>;
}

/** The shape of a run, known before any weight is read. */
export interface SimilarityPlan {
  kind: MatrixKind;
  orientation: Orientation;
  /** Which vectors of the `[out, in]` weights are compared. */
  compared: 'rows' | 'columns';
  pairMode: PairMode;
  layers: number[];
  /** Shape (n×m, after orientation) of each layer's matrix. */
  shapes: [number, number][];
  indices: SimilarityIndex[];
  /** Pairs the run will compute. */
  pairs: number;
  /** DOCS of two independent Gaussian matrices of the most common shape (chanceLevel.ts). */
  docsChance?: number;
  /** The expert compared across mixture-of-experts layers, when the run names one. */
  expert?: ExpertSelector;
}

export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
}

/** One side of DOCS for the click-detail view: the max-|cos| distribution and its Gumbel fit. */
export interface DocsSide {
  loc: number;
  scale: number;
  histogram: Histogram;
}

export interface PairResult {
  /** Positions in `layers`. */
  a: number;
  b: number;
  layerA: number;
  layerB: number;
  comparable: boolean;
  /** Why the pair is not comparable, or why its values are not computable (non-finite weights). */
  reason?: string;
  /** The pair's matrices that hold NaN/Inf; every index value is then null. */
  nonFinite?: WeightFlag[];
  /** Index values; null where undefined (e.g. a constant matrix for Pearson). */
  values: Partial<Record<SimilarityIndex, number | null>>;
  /** Row maxima (columns of layer A) and column maxima (columns of layer B) of |cos|. */
  docs?: { rows: DocsSide; cols: DocsSide };
  /** False until the heavy indices (if requested) are in. */
  complete: boolean;
  /** Linear regression's and PWCCA's two directions (A from B, B from A) and CCA's mean ρ, when computed. */
  details?: IndexDetails;
  /** How DOCS's maxima were computed: float32, or the int8 screen with exact refinement, or int8 alone ('fast'). */
  docsPath?: DocsPath;
  /** Why DOCS's integer path was not considered: its quantized copies do not fit the memory budget. */
  docsPathReason?: string;
  /** int8-refined: how many cosines were recomputed exactly after the screen. */
  docsRefined?: number;
  /** int8-fast: the bound on each cosine's error, its largest and mean value. */
  docsErrorBound?: { max: number; mean: number };
}

export interface LayerSimilarityResult extends Omit<SimilarityPlan, 'pairs'> {
  model: string;
  architecture: string;
  pairs: PairResult[];
  /** Clusters on the first requested index. */
  clusters: ClusterResult & { index: SimilarityIndex };
  engine: { provider: string; threads: number };
  /** Layer matrices holding NaN/Inf, in layer order: every pair with one of them is null. */
  nonFinite: WeightFlag[];
  /** Layer matrix reads (equal to the layer count when everything fit the budget). */
  layerReads: number;
  /** What the run left out and why (mixture-of-experts layers without an expert chosen). */
  notes?: string[];
  seconds: number;
}

const DEFAULT_BINS = 40;

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** The key of a pair of model layers (by their layer numbers) in LayerSimilarityOptions.resume. */
export function pairKey(layerA: number, layerB: number): string {
  return `${layerA}-${layerB}`;
}

export function histogram(values: Float32Array, bins: number): Histogram {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return { lo, hi, counts: [values.length] };
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  return { lo, hi, counts };
}

/** Does the layer hold `kind` outside its experts (one of the seven, or a router / MLA factor)? */
function hasDenseKind(l: LayerInfo, kind: MatrixKind): boolean {
  return Boolean(l.roles[kind as MatrixRole] ?? l.extra?.[kind as keyof NonNullable<LayerInfo['extra']>]);
}

const isExpertKind = (kind: MatrixKind): kind is ExpertRole => kind === 'gate' || kind === 'up' || kind === 'down';

function checkOptions(model: ModelHandle, opts: LayerSimilarityOptions): { layers: number[]; indices: SimilarityIndex[]; notes: string[] } {
  if (!(MATRIX_KINDS as readonly string[]).includes(opts.kind)) throw new Error(`Unknown matrix kind '${opts.kind}': use one of ${MATRIX_KINDS.join(', ')}`);
  const notes: string[] = [];
  const moeLayers = model.layers.filter((l) => l.moe).map((l) => l.index);
  let having: number[];
  if (opts.expert !== undefined) {
    const kind = opts.kind;
    if (!isExpertKind(kind))
      throw new Error(`Experts have gate, up and down matrices, not '${kind}': drop the expert option to compare '${kind}' across layers`);
    if (moeLayers.length === 0)
      throw new Error(`This model has no mixture-of-experts layer (architecture ${model.architectureLabel}), so it has no experts to choose from`);
    having = model.layers.filter((l) => hasExpertKind(l, kind, opts.expert as ExpertSelector)).map((l) => l.index);
    const what = opts.expert === 'shared' ? 'a shared expert' : `an expert ${opts.expert}`;
    if (having.length === 0)
      throw new Error(`No mixture-of-experts layer has ${what} with ${kind === 'up' ? 'an' : 'a'} '${kind}' matrix (layers ${moeLayers.join(', ')})`);
    const without = moeLayers.filter((l) => !having.includes(l));
    if (without.length && !opts.layers) notes.push(`Skipped mixture-of-experts layers ${without.join(', ')}: they have no ${what} with a '${kind}' matrix.`);
  } else {
    having = model.layers.filter((l) => hasDenseKind(l, opts.kind)).map((l) => l.index);
    const skipped = isExpertKind(opts.kind) ? moeLayers.filter((l) => !having.includes(l)) : [];
    const choose = `choose an expert (a routed expert index, or 'shared'; \`--expert\` on the command line) and its matrices are compared across the mixture-of-experts layers; the experts analysis compares the experts of one layer`;
    if (having.length === 0) {
      if (skipped.length)
        throw new Error(
          `Layers ${skipped.join(', ')} are mixture-of-experts layers: their '${opts.kind}' matrices belong to the experts, so there is no dense '${opts.kind}' to compare: ${choose}.`,
        );
      throw new Error(`This model has no '${opts.kind}' matrices (architecture ${model.architectureLabel}).`);
    }
    if (skipped.length && !opts.layers) notes.push(`Skipped mixture-of-experts layers ${skipped.join(', ')}: they have no dense '${opts.kind}' (${choose}).`);
  }
  let layers = having;
  if (opts.layers) {
    for (const l of opts.layers) {
      if (!having.includes(l)) {
        const whose = opts.expert === undefined ? '' : ` of ${opts.expert === 'shared' ? 'the shared expert' : `expert ${opts.expert}`}`;
        const moe = opts.expert === undefined && moeLayers.includes(l) ? ` (it is a mixture-of-experts layer: choose an expert)` : '';
        throw new Error(`Layer ${l} has no '${opts.kind}' matrix${whose}${moe}; layers with one: ${having.join(', ')}`);
      }
    }
    if (new Set(opts.layers).size !== opts.layers.length) throw new Error(`The layer list repeats a layer: ${opts.layers.join(', ')}`);
    layers = opts.layers;
  }
  if (layers.length < 2) throw new Error(`Layer similarity needs at least two layers; got ${layers.length}${notes.length ? `. ${notes.join(' ')}` : ''}`);
  const indices = opts.indices ?? [...DEFAULT_INDICES];
  if (indices.length === 0) throw new Error('No similarity index requested');
  for (const i of indices) if (!SIMILARITY_INDICES.includes(i)) throw new Error(`Unknown similarity index '${i}'`);
  return { layers, indices, notes };
}

export async function layerSimilarity(engine: Engine, model: ModelHandle, opts: LayerSimilarityOptions): Promise<LayerSimilarityResult> {
  const t0 = performance.now();
  const { layers, indices, notes } = checkOptions(model, opts);
  const expert = opts.expert;
  const orientation = opts.orientation ?? 'neuron';
  const side = resolveOrientation(opts.kind, orientation);
  const pairMode = opts.pairs ?? 'all';
  const bins = opts.histogramBins ?? DEFAULT_BINS;
  const shapes = layers.map((l) => {
    const [out, inn] = matrixRef(model, l, opts.kind, expert).shape;
    return (side === 'rows' ? [inn, out] : [out, inn]) as [number, number];
  });
  const light = indices.filter((i) => !HEAVY_INDICES.has(i));
  const heavy = indices.filter((i) => HEAVY_INDICES.has(i));
  const needs = {
    docs: indices.includes('docs'),
    raw: indices.some((i) => i !== 'docs'),
    cka: indices.includes('cka') || indices.includes('hsic'),
    spectral: heavy.length > 0,
    projected: indices.includes('pwcca'),
    // The int8 screen keeps a two-level quantized copy of each normalised layer (docs.ts), where the
    // copies of a pair fit the memory budget (int8Memory.ts); elsewhere DOCS runs float32 and there are none.
    quantized:
      indices.includes('docs') &&
      shapes.some(([n, m]) => int8DocsMemory(engine.memoryBudgetBytes, m, m, n, opts.docsPrecision === 'fast' ? 'fast' : 'exact').fits),
  };
  // Fast DOCS alone on the integer path needs nothing of a layer but its int8 copy: the cache keeps
  // that (2 bytes a weight) and lets the float32 vectors go, so several times more layers stay in
  // memory and fewer are read again (at 70B shapes with the default budget, 8 instead of 2).
  const int8Only = needs.docs && !needs.raw && opts.docsPrecision === 'fast' && (await fastIntegerPathForAll(engine, shapes));
  const budget = opts.cacheBudgetBytes ?? engine.memoryBudgetBytes / 2;
  const perLayer = Math.max(...shapes.map(([n, m]) => (int8Only ? int8CopyBytes(m, n, 'fast') : layerBytes(n, m, needs))));
  const capacity = Math.max(2, Math.floor(budget / perLayer));
  // Inner steps get the signal only: the job's own progress counts pairs.
  const inner = { signal: opts.signal };
  const flagged = new Map<number, WeightFlag>();
  // int8 only: each layer is read into the same float32 array (loads run one at a time), since
  // only its int8 copy is kept.
  let scratch: Float32Array | undefined;
  const scratchFor = (p: number) => {
    const [n, m] = shapes[p];
    if (scratch?.length !== n * m) scratch = new Float32Array(n * m);
    return scratch;
  };
  const cache = new LayerCache<ComparedMatrix>(capacity, async (p) => {
    throwIfCancelled(opts.signal);
    const read =
      expert === undefined
        ? await readKindChecked(model, layers[p], opts.kind, inner, int8Only ? scratchFor(p) : undefined)
        : await readExpertChecked(model, layers[p], opts.kind as ExpertRole, expert, inner);
    if (read.flag) flagged.set(p, read.flag);
    // int8 only: the vectors are normalised block by block into their int8 copy, no float32 copy
    // is made (docsOfNormalized refuses the float32 path on the stand-in it gets).
    if (int8Only && !read.flag) return { normalized: await quantizedVectors(engine, read.matrix, side, 1), features: {} };
    return prepareCompared(engine, read, side, needs, light, inner);
  });

  const plan = planPairs(layers.length, pairMode, capacity);
  const docsChance = indices.includes('docs') ? docsChanceLevel(...mostCommon(shapes)) : undefined;
  opts.onPlan?.({
    kind: opts.kind,
    orientation,
    compared: side,
    pairMode,
    layers,
    shapes,
    indices,
    pairs: plan.length,
    docsChance,
    ...(expert === undefined ? {} : { expert }),
  });
  const total = plan.length * (heavy.length ? 2 : 1);
  let done = 0;
  const pairs: PairResult[] = [];
  const resumed = new Set<PairResult>();
  for (const { a, b } of plan) {
    throwIfCancelled(opts.signal);
    const earlier = opts.resume?.get(pairKey(layers[a], layers[b]));
    if (earlier?.complete && earlier.a === a && earlier.b === b) {
      const pair = structuredClone(earlier);
      resumed.add(pair);
      pairs.push(pair);
      opts.onPair?.(pair);
      done += heavy.length ? 2 : 1;
      opts.onProgress?.({ done, total, message: `${opts.kind}: layers ${layers[a]} × ${layers[b]} (from the cancelled run)` });
      continue;
    }
    const pair: PairResult = { a, b, layerA: layers[a], layerB: layers[b], comparable: true, values: {}, complete: heavy.length === 0 };
    const [na, ma] = shapes[a],
      [nb, mb] = shapes[b];
    if (na !== nb || ma !== mb) {
      pair.comparable = false;
      pair.complete = true;
      pair.reason = `layer ${layers[a]} ${opts.kind} is ${na}×${ma} but layer ${layers[b]} ${opts.kind} is ${nb}×${mb} (after orientation)`;
    } else {
      const x = await cache.get(a),
        y = await cache.get(b);
      const flags = [x.flag, y.flag].filter((f): f is WeightFlag => !!f);
      if (flags.length) {
        // Every index would be NaN: report the pair as not computable, with the counts.
        pair.nonFinite = flags;
        pair.reason = notComputableReason(flags);
        for (const i of indices) pair.values[i] = null;
        pair.complete = true;
      }
      if (flags.length === 0 && indices.includes('docs')) {
        const d = await docsOfNormalized(engine, x.normalized as Matrix, y.normalized as Matrix, { ...inner, docsPrecision: opts.docsPrecision }).catch(
          (e: unknown) => {
            throw e instanceof Error && !(e instanceof CancelledError) ? new Error(`${opts.kind}, layers ${layers[a]} × ${layers[b]}: ${e.message}`) : e;
          },
        );
        pair.values.docs = finiteOrNull(d.docs);
        pair.docs = {
          rows: { loc: d.fitX.loc, scale: d.fitX.scale, histogram: histogram(d.rowMax, bins) },
          cols: { loc: d.fitY.loc, scale: d.fitY.scale, histogram: histogram(d.colMax, bins) },
        };
        if (d.docsPath) pair.docsPath = d.docsPath;
        if (d.docsPathReason) pair.docsPathReason = d.docsPathReason;
        if (d.refined !== undefined) pair.docsRefined = d.refined;
        if (d.errorBound) pair.docsErrorBound = d.errorBound;
      }
      const baselines = light.filter((i) => i !== 'docs');
      if (flags.length === 0 && baselines.length) {
        const base = await baselineIndices(engine, x.raw as Matrix, x.features, y.raw as Matrix, y.features, baselines, inner);
        for (const [k, v] of Object.entries(base)) pair.values[k as SimilarityIndex] = finiteOrNull(v);
      }
    }
    pairs.push(pair);
    opts.onPair?.(pair);
    opts.onProgress?.({ done: ++done, total, message: `${opts.kind}: layers ${layers[a]} × ${layers[b]}` });
    await yieldToEventLoop();
  }

  if (heavy.length) {
    // Second pass: an SVD per layer (kept beside its matrix; the budget above counted it), then
    // two small SVDs per pair.
    const withSpectral = async (p: number) => {
      const data = await cache.get(p);
      data.features.spectral ??= await spectralFeatures(engine, centreColumns(data.raw as Matrix), { ...inner, pwcca: heavy.includes('pwcca') });
      return data;
    };
    for (const pair of pairs) {
      throwIfCancelled(opts.signal);
      if (resumed.has(pair)) continue; // from a cancelled run: complete, and counted above
      if (pair.comparable && !pair.nonFinite) {
        const x = await withSpectral(pair.a),
          y = await withSpectral(pair.b);
        const details: IndexDetails = {};
        const v = await baselineIndices(engine, x.raw as Matrix, x.features, y.raw as Matrix, y.features, heavy, inner, details);
        for (const k of heavy) pair.values[k] = finiteOrNull(v[k]);
        if (Object.keys(details).length) pair.details = details;
        pair.complete = true;
        opts.onPair?.(pair);
      }
      opts.onProgress?.({ done: ++done, total, message: `${opts.kind}: ${heavy.join(', ')} of layers ${pair.layerA} × ${pair.layerB}` });
      await yieldToEventLoop();
    }
  }

  const first = indices[0];
  const lookup = new Map(pairs.map((p) => [p.a * layers.length + p.b, p.values[first] ?? undefined]));
  const clusters = findClusters(layers.length, (a, b) => lookup.get(a * layers.length + b), {
    adjacentOnly: pairMode === 'adjacent',
    threshold: opts.clusterThreshold,
    floor: clusterFloor(first, docsChance),
  });
  return {
    model: model.path,
    architecture: model.architecture,
    kind: opts.kind,
    orientation,
    compared: side,
    pairMode,
    layers,
    shapes,
    indices,
    pairs,
    clusters: { ...clusters, index: first },
    docsChance,
    nonFinite: [...flagged.entries()].sort((x, y) => x[0] - y[0]).map(([, f]) => f),
    engine: { provider: engine.info.provider, threads: engine.info.threads },
    layerReads: cache.loads,
    ...(expert === undefined ? {} : { expert }),
    ...(notes.length ? { notes } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Whether every pair of these (oriented n×m) shapes takes DOCS's int8 fast path: one shape, and the path chosen for it. */
async function fastIntegerPathForAll(engine: Engine, shapes: [number, number][]): Promise<boolean> {
  const [n, m] = shapes[0];
  if (!shapes.every(([a, b]) => a === n && b === m)) return false;
  return (await docsPathFor(engine, m, m, n, 'fast')).docsPath === 'int8-fast';
}

function mostCommon(shapes: [number, number][]): [number, number] {
  const counts = new Map<string, number>();
  for (const s of shapes) counts.set(s.join('×'), (counts.get(s.join('×')) ?? 0) + 1);
  const [key] = [...counts.entries()].sort((x, y) => y[1] - x[1])[0];
  return key.split('×').map(Number) as [number, number];
}
