/**
 * Gradient-based parameter activation (methods.md §4). For each prompt: y = the largest logit at the
 * last position, back-propagated; A = θ·∂y/∂θ for the seven matrices of every decoder layer. Over the
 * prompt set a parameter is activated when mean |A| > τ. Also: per-layer similarity of two prompts'
 * |A| patterns, same- vs cross-domain by depth, pruning ratios from layer density, and forward-only
 * MLP activation sparsity (from the same forward passes).
 *
 * Mixture-of-experts layers: A is taken for the router and for gate/up/down of every expert (routed
 * and shared) separately; the per-layer view adds them up by kind (gate, up, down over all experts,
 * plus the router), `experts` keeps each expert's own fractions and how often prompts' tokens were
 * routed to it. An expert no token of a prompt was routed to has ∂y/∂θ = 0 for that prompt.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { DecoderExecutor } from '../../model/executor/decoder';
import type { FloatArray } from '../../model/executor/session';
import type { ActivationKind, TrackedMatrix } from './trackedMatrices';
import { patternLayout, promptPattern } from './promptPattern';
import { domainLayerFractions, type DomainLayerFraction } from './domainDensity';
import { activatedCount, boxStats, defaultTau, patternSimilarity, pruningRatios, sparsity, subsetLength } from './stats';

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

export type { ActivationKind } from './trackedMatrices';

/** The experts of mixture-of-experts layers, each on its own. */
export interface ExpertActivation {
  /** Expert labels, in the order of the per-expert arrays: routed experts '0' … 'E−1', then 'shared' when the model has one. */
  labels: string[];
  /** [layer][expert][gate, up, down]: activated fraction of that matrix; null for a dense layer. */
  fraction: Array<number[][] | null>;
  /** [layer][routed expert]: fraction of tokens routed to it (token-weighted over prompts); null for a dense layer. */
  routedShare: Array<number[] | null>;
}

export interface ActivationResult {
  numLayers: number;
  /** Matrix kinds of the per-layer columns: the seven roles (gate/up/down over all experts of a MoE layer), and 'router' in MoE models. */
  roles: ActivationKind[];
  promptsDone: number;
  prompts: Array<{ domain: string; label: string; tokens: number; target: number; maxLogit: number }>;
  tau: number;
  threshold: Threshold;
  /** [layer][role]: activated parameters of that role / all parameters of the layer (stacks to the layer's fraction). */
  activatedShare: number[][];
  /** [layer][role]: activated parameters of that role / parameters of that role (NaN where the layer has no such matrix: the router of a dense layer). */
  roleFraction: number[][];
  layerFraction: number[];
  /**
   * `layerFraction` with the mean |A| taken over one domain's prompts only (same τ), per domain in
   * order of first appearance (domainDensity.ts). Set when the run finishes.
   */
  domainLayerFraction?: DomainLayerFraction[];
  /** Mean |A| per layer (over prompts and tracked parameters), to choose τ. */
  meanAbsActivation: number[];
  pruneRatios: number[];
  targetPruneRatio: number;
  pairs: PairSimilarity[];
  /** Box statistics of the similarity per layer for same- and cross-domain pairs. */
  similarityByDepth: { same: Array<ReturnType<typeof boxStats>>; cross: Array<ReturnType<typeof boxStats>> };
  epsilon: number;
  /** [layer]: fraction of MLP intermediate activations with |a| < ε (token-weighted over prompts; in a MoE layer, of the experts each token was routed to). */
  forwardSparsity: number[];
  /** Present for mixture-of-experts models. */
  experts?: ExpertActivation;
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
  const tracked = patternLayout(ex, P, opts.maxTrackedParams);
  const { matrices, subsets } = tracked;
  const kinds = KIND_ORDER.filter((k) => matrices.some((ms) => ms.some((m) => m.kind === k)));

  const sums: Float32Array[][] = subsets.map((ss) => ss.map((x) => new Float32Array(subsetLength(x))));
  const patterns: Float32Array[][][] = []; // [prompt][layer][matrix]
  const sparse = new Float64Array(L),
    sparseWeight = new Float64Array(L);
  const moe = ex.cfg.moe;
  const routed = moe ? Array.from({ length: L }, (_, l) => (ex.specs[l].moe ? new Float64Array(moe.numExperts) : null)) : null;
  let routedTokens = 0;
  const result = emptyResult(L, kinds, threshold, target, epsilon, tracked.trackedFraction);
  const layout: Layout = { matrices, kinds, experts: moe ? moe.numExperts + (moe.sharedSize > 0 ? 1 : 0) : 0 };

  for (let p = 0; p < P; p++) {
    throwIfCancelled(opts.signal);
    const prompt = prompts[p];
    const { pattern: mine, run: r } = await promptPattern(ex, prompt.ids, tracked, {
      signal: opts.signal,
      outputs: { mlpActivations: true, expertSelection: moe !== null },
    });
    mine.forEach((layer, l) =>
      layer.forEach((a, i) => {
        const acc = sums[l][i];
        for (let j = 0; j < a.length; j++) acc[j] += a[j];
      }),
    );
    if (!Number.isFinite(r.objectiveValue!)) {
      // The seven role matrices were checked before the run (requireFiniteWeights): what is left is a norm, a bias, an
      // embedding row, or in MoE / latent-attention models an expert, router or factor matrix (not part of that check).
      const unchecked = ex.cfg.moe || ex.cfg.mla ? ', an expert, router or latent-attention matrix' : '';
      throw new Error(
        `prompt ${p + 1} ("${prompt.label}") gave a non-finite largest logit (${r.objectiveValue}): a norm, bias or embedding weight${unchecked} holds NaN/Inf, so gradients cannot be computed`,
      );
    }
    patterns.push(mine);
    const T = prompt.ids.length;
    r.mlpActivations!.forEach((act, l) => {
      const mask = r.expertSelection?.[l];
      sparse[l] += (mask ? routedSparsity(act, mask, T, epsilon) : sparsity(act, epsilon)) * T;
      sparseWeight[l] += T;
      const counts = routed?.[l];
      if (counts && mask) for (let i = 0; i < mask.length; i++) counts[i % counts.length] += mask[i];
    });
    routedTokens += T;
    result.prompts.push({ domain: prompt.domain, label: prompt.label, tokens: T, target: r.targets![0], maxLogit: r.objectiveValue! });
    summarize(result, sums, p + 1, layout, sparse, sparseWeight, ex.cfg.numLayers);
    if (moe && routed) result.experts = expertView(result.experts!, routed, routedTokens);
    opts.onProgress?.({ done: p + 1, total: P, message: `prompt ${p + 1}/${P}` });
    if (p + 1 < P) opts.onPartial?.(result);
    await yieldToEventLoop();
  }
  result.domainLayerFraction = domainLayerFractions(
    patterns,
    prompts.map((p) => p.domain),
    matrices.map((ms) => ({ sizes: ms.map((m) => m.size), kinds: ms.map((m) => m.kind) })),
    kinds,
    result.tau,
  );
  result.pairs = comparePairs(prompts, patterns, L, opts.maxPairs ?? 300);
  for (let l = 0; l < L; l++) {
    result.similarityByDepth.same.push(boxStats(result.pairs.filter((x) => x.sameDomain).map((x) => x.similarity[l])));
    result.similarityByDepth.cross.push(boxStats(result.pairs.filter((x) => !x.sameDomain).map((x) => x.similarity[l])));
  }
  return result;
}

const KIND_ORDER: readonly ActivationKind[] = ['q', 'q_a', 'q_b', 'k', 'v', 'kv_a', 'kv_b', 'o', 'gate', 'up', 'down', 'router'];
const EXPERT_KINDS: readonly ActivationKind[] = ['gate', 'up', 'down'];

interface Layout {
  matrices: TrackedMatrix[][];
  kinds: ActivationKind[];
  /** Expert columns (routed + shared) in MoE models, else 0. */
  experts: number;
}

/** Fraction of |a| < ε over the (token, expert) rows the router selected: act [1, E, T, f], mask [1, T, E]. */
function routedSparsity(act: FloatArray, mask: FloatArray, T: number, epsilon: number): number {
  const E = mask.length / T,
    f = act.length / (E * T);
  let n = 0,
    small = 0;
  for (let t = 0; t < T; t++) {
    for (let e = 0; e < E; e++) {
      if (mask[t * E + e] !== 1) continue;
      const row = (e * T + t) * f;
      for (let j = 0; j < f; j++) if (Math.abs(act[row + j]) < epsilon) small++;
      n += f;
    }
  }
  return n === 0 ? 0 : small / n;
}

function expertView(v: ExpertActivation, routed: Array<Float64Array | null>, tokens: number): ExpertActivation {
  return { ...v, routedShare: routed.map((c) => (c ? Array.from(c, (x) => x / tokens) : null)) };
}

function emptyResult(L: number, roles: ActivationKind[], threshold: Threshold, target: number, epsilon: number, trackedFraction: number): ActivationResult {
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
  layout: Layout,
  sparse: Float64Array,
  sparseW: Float64Array,
  numLayers: number,
): void {
  const L = sums.length;
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
  // Per matrix: activated fraction of its tracked parameters (an estimate of the whole matrix's when strided).
  const fractions = sums.map((layer) => layer.map((acc) => (acc.length ? activatedCount(acc, count, res.tau) / acc.length : 0)));
  res.roleFraction = [];
  res.activatedShare = [];
  for (let l = 0; l < L; l++) {
    const ms = layout.matrices[l];
    const perLayer = ms.reduce((a, m) => a + m.size, 0);
    const frac: number[] = [],
      share: number[] = [];
    for (const kind of layout.kinds) {
      // Weighted by real sizes, so that strided sampling and expert counts do not bias the stack.
      let activated = 0,
        size = 0;
      ms.forEach((m, i) => {
        if (m.kind !== kind) return;
        activated += fractions[l][i] * m.size;
        size += m.size;
      });
      frac.push(size ? activated / size : NaN);
      share.push(activated / perLayer);
    }
    res.roleFraction.push(frac);
    res.activatedShare.push(share);
  }
  res.layerFraction = res.activatedShare.map((shares) => shares.reduce((a, b) => a + b, 0));
  res.pruneRatios = pruningRatios(res.layerFraction, res.targetPruneRatio);
  res.forwardSparsity = Array.from({ length: L }, (_, l) => (sparseW[l] ? sparse[l] / sparseW[l] : 0));
  if (layout.experts > 0) {
    const routedCount = layout.matrices.reduce((e, ms) => Math.max(e, ...ms.map((m) => (typeof m.expert === 'number' ? m.expert + 1 : 0))), 0);
    const labels = [...Array.from({ length: routedCount }, (_, e) => String(e)), ...(layout.experts > routedCount ? ['shared'] : [])];
    const fraction = layout.matrices.map((ms, l) => {
      if (!ms.some((m) => m.expert !== undefined)) return null;
      const grid = labels.map(() => EXPERT_KINDS.map(() => NaN));
      ms.forEach((m, i) => {
        if (m.expert === undefined) return;
        grid[m.expert === 'shared' ? routedCount : m.expert][EXPERT_KINDS.indexOf(m.kind)] = fractions[l][i];
      });
      return grid;
    });
    res.experts = { labels, fraction, routedShare: res.experts?.routedShare ?? [] };
  }
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
