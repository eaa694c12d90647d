/**
 * Gradient-based parameter activation (methods.md §4). For each prompt: y = the largest logit at the
 * last position, back-propagated; A = θ·∂y/∂θ for the seven matrices of every decoder layer. Over the
 * prompt set a parameter is activated when mean |A| > τ. Also: per-layer similarity of two prompts'
 * |A| patterns, same- vs cross-domain by depth, pruning ratios from layer density, and forward-only
 * MLP activation sparsity (from the same forward passes).
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { DecoderExecutor } from '../../model/executor/decoder';
import { roleKeys } from '../../model/executor/arch';
import { blockWeights } from '../../model/executor/block';
import type { MatrixRole } from '../../model/types';
import {
  absActivation,
  activatedCount,
  boxStats,
  defaultTau,
  patternSimilarity,
  pruningRatios,
  sparsity,
  subsetFor,
  subsetLength,
  type ParamSubset,
} from './stats';

export interface TokenizedPrompt {
  domain: string;
  /** Short text shown in tables (the prompt itself, or its ids). */
  label: string;
  ids: number[];
}

export type Threshold = { kind: 'absolute'; tau?: number } | { kind: 'relative'; factor: number };

export interface ActivationOptions extends JobContext {
  threshold?: Threshold;
  /** Mean pruning ratio to distribute over layers (default 0.5). */
  targetPruneRatio?: number;
  /** |a| < ε counts as inactive in the forward MLP sparsity (default 0.01). */
  epsilon?: number;
  /** Parameters tracked per prompt over all layers; beyond it an evenly strided subset is used (default 32 M). */
  maxTrackedParams?: number;
  /** Prompt pairs compared for similarity (default 300; sampled, half same-domain, half cross-domain). */
  maxPairs?: number;
  /** Called after each prompt with the running result (for progressive plots). */
  onPartial?: (r: ActivationResult) => void;
}

export interface PairSimilarity {
  a: number;
  b: number;
  sameDomain: boolean;
  /** Per layer. */
  similarity: number[];
}

export interface ActivationResult {
  numLayers: number;
  roles: MatrixRole[];
  promptsDone: number;
  prompts: Array<{ domain: string; label: string; tokens: number; target: number; maxLogit: number }>;
  tau: number;
  threshold: Threshold;
  /** [layer][role]: activated parameters of that role / all parameters of the layer (stacks to the layer's fraction). */
  activatedShare: number[][];
  /** [layer][role]: activated parameters of that role / parameters of that role. */
  roleFraction: number[][];
  layerFraction: number[];
  /** Mean |A| per layer (over prompts and tracked parameters), to choose τ. */
  meanAbsActivation: number[];
  pruneRatios: number[];
  targetPruneRatio: number;
  pairs: PairSimilarity[];
  /** Box statistics of the similarity per layer for same- and cross-domain pairs. */
  similarityByDepth: { same: Array<ReturnType<typeof boxStats>>; cross: Array<ReturnType<typeof boxStats>> };
  epsilon: number;
  /** [layer]: fraction of MLP intermediate activations with |a| < ε (token-weighted over prompts). */
  forwardSparsity: number[];
  /** Fraction of each matrix's parameters tracked (1 = exact; less = evenly strided sample). */
  trackedFraction: number;
}

export async function activationAnalysis(ex: DecoderExecutor, prompts: TokenizedPrompt[], opts: ActivationOptions = {}): Promise<ActivationResult> {
  if (prompts.length === 0) throw new Error('the activation analysis needs at least one prompt');
  const L = ex.cfg.numLayers;
  const threshold: Threshold = opts.threshold ?? { kind: 'absolute' };
  const epsilon = opts.epsilon ?? 0.01;
  const target = opts.targetPruneRatio ?? 0.5;
  const P = prompts.length;

  // Which parameters to track: all of them unless prompts × params would exceed the budget.
  // The seven matrices (six without a gate: GPT-2, NeoX), under the executor's canonical keys.
  const keys = roleKeys(ex.cfg);
  const roles = Object.keys(keys) as MatrixRole[];
  const dimsOf = new Map(blockWeights(ex.cfg, ex.specs[0]).map((w) => [w.key, w.dims]));
  const shapes = roles.map((role) => dimsOf.get(keys[role]!)!);
  const sizes = shapes.map((s) => s[0] * s[1]);
  const perLayer = sizes.reduce((a, b) => a + b, 0);
  const budget = opts.maxTrackedParams ?? 32_000_000;
  const stride = Math.max(1, Math.ceil((perLayer * L * P) / budget));
  const subsets: ParamSubset[] = sizes.map((n, i) => subsetFor(n, stride, shapes[i][1]));
  const tracked = subsets.map(subsetLength);

  const sums: Float32Array[][] = Array.from({ length: L }, () => tracked.map((n) => new Float32Array(n)));
  const patterns: Float32Array[][][] = []; // [prompt][layer][role]
  const sparse = new Float64Array(L),
    sparseWeight = new Float64Array(L);
  const result = emptyResult(L, roles, threshold, target, epsilon, tracked.reduce((a, b) => a + b, 0) / perLayer);

  for (let p = 0; p < P; p++) {
    throwIfCancelled(opts.signal);
    const prompt = prompts[p];
    const mine: Float32Array[][] = Array.from({ length: L }, () => []);
    const r = await ex.run(
      [prompt.ids],
      { logits: 'none', mlpActivations: true },
      {
        objective: 'max-logit',
        onLayer: ({ layer, weights, grads }) => {
          roles.forEach((role, i) => {
            const key = keys[role]!;
            const a = absActivation(weights[key], grads[key], subsets[i]);
            const acc = sums[layer][i];
            for (let j = 0; j < a.length; j++) acc[j] += a[j];
            mine[layer][i] = a;
          });
        },
      },
      { signal: opts.signal },
    );
    if (!Number.isFinite(r.objectiveValue!)) {
      // The role matrices were checked before the run (requireFiniteWeights): what is left is a norm, a bias or an embedding row.
      throw new Error(
        `prompt ${p + 1} ("${prompt.label}") gave a non-finite largest logit (${r.objectiveValue}): a norm, bias or embedding weight holds NaN/Inf, so gradients cannot be computed`,
      );
    }
    patterns.push(mine);
    r.mlpActivations!.forEach((act, l) => {
      sparse[l] += sparsity(act, epsilon) * prompt.ids.length;
      sparseWeight[l] += prompt.ids.length;
    });
    result.prompts.push({ domain: prompt.domain, label: prompt.label, tokens: prompt.ids.length, target: r.targets![0], maxLogit: r.objectiveValue! });
    summarize(result, sums, p + 1, sizes, perLayer, L, sparse, sparseWeight, ex.cfg.numLayers);
    opts.onProgress?.({ done: p + 1, total: P, message: `prompt ${p + 1}/${P}` });
    if (p + 1 < P) opts.onPartial?.(result);
    await yieldToEventLoop();
  }
  result.pairs = comparePairs(prompts, patterns, L, opts.maxPairs ?? 300);
  for (let l = 0; l < L; l++) {
    result.similarityByDepth.same.push(boxStats(result.pairs.filter((x) => x.sameDomain).map((x) => x.similarity[l])));
    result.similarityByDepth.cross.push(boxStats(result.pairs.filter((x) => !x.sameDomain).map((x) => x.similarity[l])));
  }
  return result;
}

function emptyResult(L: number, roles: MatrixRole[], threshold: Threshold, target: number, epsilon: number, trackedFraction: number): ActivationResult {
  return {
    numLayers: L,
    roles,
    promptsDone: 0,
    prompts: [],
    tau: 0,
    threshold,
    activatedShare: [],
    roleFraction: [],
    layerFraction: [],
    meanAbsActivation: [],
    pruneRatios: [],
    targetPruneRatio: target,
    pairs: [],
    similarityByDepth: { same: [], cross: [] },
    epsilon,
    forwardSparsity: [],
    trackedFraction,
  };
}

/** Recomputes the threshold-dependent figures from the accumulators after `count` prompts. */
function summarize(
  res: ActivationResult,
  sums: Float32Array[][],
  count: number,
  sizes: number[],
  perLayer: number,
  L: number,
  sparse: Float64Array,
  sparseW: Float64Array,
  numLayers: number,
): void {
  res.promptsDone = count;
  let total = 0,
    n = 0;
  res.meanAbsActivation = sums.map((layer) => {
    let s = 0,
      m = 0;
    for (const acc of layer) {
      for (let j = 0; j < acc.length; j++) s += acc[j];
      m += acc.length;
    }
    total += s;
    n += m;
    return s / m / count;
  });
  res.tau = res.threshold.kind === 'absolute' ? (res.threshold.tau ?? defaultTau(numLayers)) : res.threshold.factor * (total / n / count);
  res.roleFraction = sums.map((layer) => layer.map((acc) => (acc.length ? activatedCount(acc, count, res.tau) / acc.length : 0)));
  // Shares weight each role by its real size, so that strided sampling does not bias the stack.
  res.activatedShare = res.roleFraction.map((fr) => fr.map((f, i) => (f * sizes[i]) / perLayer));
  res.layerFraction = res.activatedShare.map((shares) => shares.reduce((a, b) => a + b, 0));
  res.pruneRatios = pruningRatios(res.layerFraction, res.targetPruneRatio);
  res.forwardSparsity = Array.from({ length: L }, (_, l) => (sparseW[l] ? sparse[l] / sparseW[l] : 0));
}

/** All prompt pairs, or a seeded sample of at most maxPairs (half same-domain, half cross-domain when both exist). */
function comparePairs(prompts: TokenizedPrompt[], patterns: Float32Array[][][], L: number, maxPairs: number): PairSimilarity[] {
  const same: Array<[number, number]> = [],
    cross: Array<[number, number]> = [];
  for (let a = 0; a < prompts.length; a++) {
    for (let b = a + 1; b < prompts.length; b++) (prompts[a].domain === prompts[b].domain ? same : cross).push([a, b]);
  }
  // A fixed LCG seed: the same prompts always give the same pairs.
  let state = 7;
  const rand = () => (state = (1664525 * state + 1013904223) % 4294967296) / 4294967296;
  const take = (list: Array<[number, number]>, n: number) => {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list.slice(0, n);
  };
  let chosen: Array<[number, number]>;
  if (same.length + cross.length <= maxPairs) chosen = [...same, ...cross];
  else {
    const half = Math.floor(maxPairs / 2);
    const nSame = Math.min(same.length, Math.max(half, maxPairs - cross.length));
    chosen = [...take(same, nSame), ...take(cross, maxPairs - nSame)];
  }
  return chosen.map(([a, b]) => ({
    a,
    b,
    sameDomain: prompts[a].domain === prompts[b].domain,
    similarity: Array.from({ length: L }, (_, l) => patternSimilarity(patterns[a][l], patterns[b][l])),
  }));
}
