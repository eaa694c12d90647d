/**
 * Expert × expert similarity (docs/experts.md): within one mixture-of-experts layer and one expert
 * matrix kind (gate, up or down), DOCS and the baseline indices of every pair of its experts, the
 * shared expert included — are the experts redundant or specialised? The maths is layer
 * similarity's (similarity/docs.ts, indices.ts, chanceLevel.ts, clusters.ts, plan.ts); only the
 * things compared differ. DOCS compares the experts' vectors, so a shared expert of another width
 * (Qwen2-MoE, DeepSeek) still has a DOCS with every routed expert when the vectors have the same
 * length; the baselines need equal shapes and are null otherwise, with the reason.
 */
import { CancelledError, throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Engine } from '../../engine/engine';
import type { Matrix } from '../../linalg/matrix';
import { matrixRef } from '../../model/readRole';
import type { ExpertRole, ExpertSelector, ModelHandle } from '../../model/types';
import { notComputableReason, type WeightFlag } from '../common/nonFinite';
import { docsChanceLevel } from '../similarity/chanceLevel';
import { clusterFloor, findClusters, type ClusterResult } from '../similarity/clusters';
import { docsFromMaxima, maxAbsCosineNormalized, resolveOrientation } from '../similarity/docs';
import { baselineIndices } from '../similarity/indices';
import { DEFAULT_INDICES, HEAVY_INDICES, type Orientation, type SimilarityIndex } from '../similarity/names';
import { LayerCache, layerBytes, planPairs } from '../similarity/plan';
import { prepareCompared, type ComparedMatrix } from '../similarity/compared';
import type { ExpertsOptions } from './options';
import { expertLabel, expertsWithKind, moeLayersOf, readExpertChecked } from './read';

export interface ExpertPair {
  /** Positions in `experts`. */
  a: number;
  b: number;
  expertA: string;
  expertB: string;
  /** False when not even DOCS applies (compared vectors of different lengths). */
  comparable: boolean;
  /** Why an index is null: shapes that differ, or non-finite weights. */
  reason?: string;
  nonFinite?: WeightFlag[];
  /** Index values; null where not computable or undefined. */
  values: Partial<Record<SimilarityIndex, number | null>>;
}

export interface ExpertsResult {
  model: string;
  architecture: string;
  layer: number;
  /** Every mixture-of-experts layer of the model (the panel's layer choice). */
  moeLayers: number[];
  kind: ExpertRole;
  orientation: Orientation;
  compared: 'rows' | 'columns';
  /** Routed experts in router order, then 'shared'. */
  experts: ExpertSelector[];
  /** `e0…eN`, `shared`, in the order of `experts`. */
  labels: string[];
  /** Shape (n×m after orientation: vector length × vector count) of each expert's matrix. */
  shapes: [number, number][];
  indices: SimilarityIndex[];
  pairs: ExpertPair[];
  /** DOCS of two independent Gaussian matrices of the routed experts' shape. */
  docsChance?: number;
  /**
   * The threshold rule of layer similarity's clusters (Otsu's cut, floored at 1.1 × the DOCS chance
   * level, or the user's τ) on the first index, and the pairs of experts at or above it.
   */
  clusters: Omit<ClusterResult, 'clusters'> & { index: SimilarityIndex; similarPairs: { a: number; b: number; value: number }[] };
  /** Expert matrices holding NaN/Inf. */
  nonFinite: WeightFlag[];
  /** Expert matrices that had to be read (equal to the expert count when all fit the memory budget). */
  reads: number;
  engine: { provider: string; threads: number };
  seconds: number;
}

const finiteOrNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** Experts have no order that means anything, so no contiguous blocks: the pairs above τ. */
export const SIMILAR_PAIRS_RULE = 'pairs of experts whose similarity is ≥ τ';

export function noMoeMessage(model: ModelHandle): string {
  return `This model has no mixture-of-experts layer (architecture ${model.architectureLabel}), so it has no experts to compare. Layer similarity compares its dense MLP matrices across layers.`;
}

/** The layer and kind a run uses, checked against the model (errors a user can act on). */
export function resolveExpertsTarget(
  model: ModelHandle,
  opts: ExpertsOptions,
): { layer: number; kind: ExpertRole; experts: ExpertSelector[]; moeLayers: number[] } {
  const moeLayers = moeLayersOf(model);
  if (moeLayers.length === 0) throw new Error(noMoeMessage(model));
  const layer = opts.layer ?? moeLayers[0];
  if (!moeLayers.includes(layer)) {
    const exists = model.layers.some((l) => l.index === layer);
    throw new Error(`Layer ${layer} ${exists ? 'is not a mixture-of-experts layer' : 'does not exist'}; mixture-of-experts layers: ${moeLayers.join(', ')}`);
  }
  const kind = opts.kind ?? 'up';
  const experts = expertsWithKind(
    model.layers.find((l) => l.index === layer)!,
    kind,
  );
  if (experts.length < 2)
    throw new Error(`Layer ${layer} has ${experts.length} expert${experts.length === 1 ? '' : 's'} with a '${kind}' matrix; comparing needs two`);
  return { layer, kind, experts, moeLayers };
}

export interface ExpertsContext extends JobContext {
  engine: Engine;
  /** Bytes of expert matrices to keep in memory; default half the engine's memory budget. */
  cacheBudgetBytes?: number;
}

export async function expertSimilarity(model: ModelHandle, opts: ExpertsOptions, ctx: ExpertsContext): Promise<ExpertsResult> {
  const t0 = performance.now();
  const { engine } = ctx;
  const { layer, kind, experts, moeLayers } = resolveExpertsTarget(model, opts);
  const indices = opts.indices ?? [...DEFAULT_INDICES];
  const orientation = opts.orientation ?? 'neuron';
  const side = resolveOrientation(kind, orientation);
  const labels = experts.map(expertLabel);
  const shapes = experts.map((e) => {
    const [out, inn] = matrixRef(model, layer, kind, e).shape;
    return (side === 'rows' ? [inn, out] : [out, inn]) as [number, number];
  });
  const baselines = indices.filter((i) => i !== 'docs');
  const needs = {
    docs: indices.includes('docs'),
    raw: baselines.length > 0,
    cka: indices.includes('cka') || indices.includes('hsic'),
    spectral: baselines.some((i) => HEAVY_INDICES.has(i)),
    projected: indices.includes('pwcca'),
  };
  const budget = ctx.cacheBudgetBytes ?? engine.memoryBudgetBytes / 2;
  const perExpert = Math.max(...shapes.map(([n, m]) => layerBytes(n, m, needs)));
  const capacity = Math.max(2, Math.floor(budget / perExpert));
  const inner = { signal: ctx.signal };
  const flagged = new Map<number, WeightFlag>();
  const cache = new LayerCache<ComparedMatrix>(capacity, async (p) => {
    throwIfCancelled(ctx.signal);
    const read = await readExpertChecked(model, layer, kind, experts[p], inner);
    if (read.flag) flagged.set(p, read.flag);
    return prepareCompared(engine, read, side, needs, baselines, inner);
  });

  const routed = shapes.filter((_, p) => experts[p] !== 'shared');
  const docsChance = needs.docs ? docsChanceLevel(...(routed[0] ?? shapes[0])) : undefined;
  const plan = planPairs(experts.length, 'all', capacity);
  const pairs: ExpertPair[] = [];
  let done = 0;
  for (const { a, b } of plan) {
    throwIfCancelled(ctx.signal);
    const where = `layer ${layer} ${kind}, ${labels[a]} × ${labels[b]}`;
    const pair: ExpertPair = { a, b, expertA: labels[a], expertB: labels[b], comparable: true, values: {} };
    const [na, ma] = shapes[a],
      [nb, mb] = shapes[b];
    const sameShape = na === nb && ma === mb;
    if (na !== nb) {
      pair.comparable = false;
      pair.reason = `${labels[a]} compares vectors of length ${na} but ${labels[b]} of length ${nb}`;
      for (const i of indices) pair.values[i] = null;
    } else {
      const x = await cache.get(a),
        y = await cache.get(b);
      const flags = [x.flag, y.flag].filter((f): f is WeightFlag => !!f);
      if (flags.length) {
        pair.nonFinite = flags;
        pair.reason = notComputableReason(flags);
        for (const i of indices) pair.values[i] = null;
      } else {
        if (needs.docs) {
          // Different vector counts (a shared expert of another width) are fine for DOCS.
          const { rowMax, colMax } = await maxAbsCosineNormalized(engine, x.normalized as Matrix, y.normalized as Matrix, inner).catch((e: unknown) => {
            throw e instanceof Error && !(e instanceof CancelledError) ? new Error(`${where}: ${e.message}`) : e;
          });
          pair.values.docs = finiteOrNull(docsFromMaxima(rowMax, colMax).docs);
        }
        if (baselines.length && sameShape) {
          const v = await baselineIndices(engine, x.raw as Matrix, x.features, y.raw as Matrix, y.features, baselines, inner);
          for (const i of baselines) pair.values[i] = finiteOrNull(v[i]);
        } else if (baselines.length) {
          for (const i of baselines) pair.values[i] = null;
          pair.reason = `${labels[a]} is ${na}×${ma} but ${labels[b]} is ${nb}×${mb} (after orientation): the baseline indices need equal shapes, DOCS does not`;
        }
      }
    }
    pairs.push(pair);
    ctx.onProgress?.({ done: ++done, total: plan.length, message: where });
    await yieldToEventLoop();
  }

  const first = indices[0];
  const N = experts.length;
  const lookup = new Map(pairs.map((p) => [p.a * N + p.b, p.values[first] ?? undefined]));
  const { clusters: _contiguous, ...c } = findClusters(N, (a, b) => lookup.get(a * N + b), {
    threshold: opts.clusterThreshold,
    floor: clusterFloor(first, docsChance),
  });
  const similarPairs = Number.isFinite(c.threshold)
    ? pairs
        .filter((p) => (p.values[first] ?? -Infinity) >= c.threshold)
        .map((p) => ({ a: p.a, b: p.b, value: p.values[first] as number }))
        .sort((x, y) => y.value - x.value)
    : [];
  return {
    model: model.path,
    architecture: model.architecture,
    layer,
    moeLayers,
    kind,
    orientation,
    compared: side,
    experts,
    labels,
    shapes,
    indices,
    pairs: pairs.sort((x, y) => x.a - y.a || x.b - y.b),
    docsChance,
    clusters: { ...c, rule: SIMILAR_PAIRS_RULE, index: first, similarPairs },
    nonFinite: [...flagged.entries()].sort((x, y) => x[0] - y[0]).map(([, f]) => f),
    reads: cache.loads,
    engine: { provider: engine.info.provider, threads: engine.info.threads },
    seconds: (performance.now() - t0) / 1000,
  };
}
