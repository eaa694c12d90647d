/**
 * Pruning curves: for n = 0 … N layers removed, the layers each method chooses (removal.ts, from a
 * persistence run's S̄₁ and residual-stream baselines), the perplexity of the model without them on
 * a held-out text and, with a multiple-choice file, its log-likelihood accuracy. Every point runs
 * the model in memory without the removed layers (layerSubset.ts): no folder is written. A layer
 * set two methods (or n = 0, shared by all) choose is measured once. Each point is reported
 * (onPartial) as soon as it is measured.
 */
import { throwIfCancelled, type JobContext } from '../../../jobs';
import type { Engine } from '../../../engine/engine';
import type { ModelHandle } from '../../../model/types';
import type { CachedRun } from '../../../cache/resultCache';
import { loadTokenizer } from '../../../model/tokenizer';
import { decoderConfig } from '../../../model/executor/index';
import { requireFiniteWeights } from '../../common/checkedRead';
import { defaultAngularBlocks, type BlockValues } from '../baselines';
import { runPersistenceJob, type PersistenceJobParams } from '../job';
import type { PerplexityResult } from '../perplexity';
import { loadChoicesFile, type ChoiceItem } from './choices';
import { heldOutLabel, heldOutText, type HeldOutSource } from './heldOut';
import { executorWithout } from './layerSubset';
import { CURVE_METHODS, layersRemoved, type CurveMethod } from './removal';
import { DEFAULT_EVAL_TOKENS, executorPerplexity, scoreChoices, type ChoiceScore } from './scoring';

export interface PruneCurvesParams {
  /** The persistence run whose measurements choose the layers (from the cache when it ran before). */
  persistence: PersistenceJobParams;
  /** Largest n (default min(L − 1, ⌈L/2⌉)). */
  maxRemoved?: number;
  /** Held-out text for the perplexities (default: the built-in prompts joined, as "Prune and evaluate"). */
  heldOut?: HeldOutSource;
  /** Multiple-choice JSONL for the accuracies (none: perplexity only). */
  choicesFile?: string;
  /** Held-out tokens measured (default 2048). */
  maxEvalTokens?: number;
  /** Methods drawn (default all three). */
  methods?: CurveMethod[];
}

export interface CurvePoint {
  method: CurveMethod;
  n: number;
  /** The layers removed, ascending. */
  removed: number[];
  perplexity: PerplexityResult;
  choices?: Omit<ChoiceScore, 'loglikelihoods'>;
}

export interface PruneCurvesResult {
  model: string;
  decoderLayers: number;
  maxRemoved: number;
  methods: CurveMethod[];
  heldOutSource: string;
  choicesSource: string | null;
  /** The zigzag suggestions of the persistence run: at ratio p, n layers (the zigzag curve's point at n is this suggestion). */
  suggestions: Array<{ p: number; n: number; layers: number[] }>;
  /** What the methods ranked layers by: S̄ on the suggestion's homology dimension (decoder layers), Block Influence, d(ℓ, n) at the last token. */
  ranking: { suggestionDim: number; averageSimilarity: number[]; blockInfluence: number[]; angularLastToken: BlockValues[] };
  /** Points in the order measured: n ascending, then method. */
  points: CurvePoint[];
  /** Distinct layer sets measured (fewer than points when methods agree). */
  evaluations: number;
  seconds: number;
}

export interface PruneCurvesOptions extends JobContext, CachedRun {
  engine: Engine;
  onPartial?: (point: CurvePoint) => void;
}

/** Default largest number of layers removed: ⌈L/2⌉, and never all of them. */
export function defaultMaxRemoved(layers: number): number {
  return Math.max(0, Math.min(layers - 1, Math.ceil(layers / 2)));
}

/** The persistence run's options with angular distances for every block size 1..N (unchanged, so cached, when the default already has them). */
export function persistenceParamsFor(p: PersistenceJobParams, layers: number, maxRemoved: number): PersistenceJobParams {
  const have = p.angularBlocks?.length ? p.angularBlocks : defaultAngularBlocks(layers);
  const need = Array.from({ length: maxRemoved }, (_, i) => i + 1);
  if (need.every((n) => have.includes(n))) return p;
  return { ...p, angularBlocks: [...new Set([...have, ...need])].sort((a, b) => a - b) };
}

function eosId(model: ModelHandle): number | null {
  const e = model.config?.eos_token_id;
  if (typeof e === 'number') return e;
  if (Array.isArray(e) && typeof e[0] === 'number') return e[0];
  return null;
}

export async function runPruneCurvesJob(model: ModelHandle, params: PruneCurvesParams, opts: PruneCurvesOptions): Promise<PruneCurvesResult> {
  const t0 = performance.now();
  const L = decoderConfig(model).numLayers;
  const maxRemoved = params.maxRemoved ?? defaultMaxRemoved(L);
  if (!Number.isInteger(maxRemoved) || maxRemoved < 0 || maxRemoved > L - 1)
    throw new Error(`the most layers removed must be an integer in 0..${L - 1} for this ${L}-layer model, got ${maxRemoved}`);
  const methods = params.methods?.length ? [...new Set(params.methods)] : [...CURVE_METHODS];
  for (const m of methods) if (!CURVE_METHODS.includes(m)) throw new Error(`unknown pruning method '${m}' (${CURVE_METHODS.join(', ')})`);

  // Inputs first: a bad file fails before minutes of forward passes.
  const held = params.heldOut ?? { kind: 'builtin' };
  const text = await heldOutText(held);
  const items: ChoiceItem[] | null = params.choicesFile !== undefined ? await loadChoicesFile(params.choicesFile) : null;
  const tok = await loadTokenizer(model.path);
  if (!tok) throw new Error(`${model.path} has no tokenizer.json or tokenizer.model: the pruning curves need one to tokenize the held-out text`);
  const ids = tok.encode(text, { addBos: true });
  await requireFiniteWeights(model, 'The pruning curves', { signal: opts.signal });

  const share =
    (from: number, to: number): JobContext['onProgress'] =>
    (p) =>
      opts.onProgress?.({ done: Math.round(from + ((to - from) * p.done) / Math.max(1, p.total)), total: 1000, message: p.message });
  const run = await runPersistenceJob(model, persistenceParamsFor(params.persistence, L, maxRemoved), {
    engine: opts.engine,
    signal: opts.signal,
    onProgress: share(0, 300),
    cacheDir: opts.cacheDir,
    force: opts.force,
  });

  const plan: Array<{ method: CurveMethod; n: number; removed: number[] }> = [];
  for (let n = 0; n <= maxRemoved; n++) for (const method of methods) plan.push({ method, n, removed: layersRemoved(method, n, run) });
  const distinct = [...new Set(plan.map((p) => p.removed.join(',')))];
  const measured = new Map<string, { perplexity: PerplexityResult; choices?: Omit<ChoiceScore, 'loglikelihoods'> }>();
  const points: CurvePoint[] = [];
  for (const step of plan) {
    throwIfCancelled(opts.signal);
    const key = step.removed.join(',');
    let m = measured.get(key);
    if (!m) {
      const k = measured.size;
      const progress = share(300 + (700 * k) / distinct.length, 300 + (700 * (k + 1)) / distinct.length);
      const what = step.removed.length ? `without layers ${step.removed.join(', ')}` : 'the whole model';
      const ex = executorWithout(model, step.removed, { engine: opts.engine });
      try {
        const perplexity = await executorPerplexity(ex, ids, {
          signal: opts.signal,
          maxTokens: params.maxEvalTokens ?? DEFAULT_EVAL_TOKENS,
          onProgress: (p) => progress?.({ done: items ? p.done / 2 : p.done, total: p.total, message: `${what}: ${p.message}` }),
        });
        let choices: Omit<ChoiceScore, 'loglikelihoods'> | undefined;
        if (items) {
          const s = await scoreChoices(ex, tok, items, eosId(model), {
            signal: opts.signal,
            onProgress: (p) => progress?.({ done: p.total + p.done, total: 2 * p.total, message: `${what}: ${p.message}` }),
          });
          choices = { items: s.items, acc: s.acc, accNorm: s.accNorm };
        }
        m = { perplexity, choices };
        measured.set(key, m);
      } finally {
        await ex.release();
      }
    }
    const point: CurvePoint = { ...step, perplexity: m.perplexity, ...(m.choices ? { choices: m.choices } : {}) };
    points.push(point);
    opts.onPartial?.(point);
  }
  return {
    model: model.path,
    decoderLayers: L,
    maxRemoved,
    methods,
    heldOutSource: heldOutLabel(held),
    choicesSource: params.choicesFile ?? null,
    ranking: {
      suggestionDim: run.suggestionDim,
      averageSimilarity: run.averageSimilarity[run.suggestionDim].slice(0, L),
      blockInfluence: run.residualStream?.blockInfluence ?? [],
      angularLastToken: run.residualStream?.angularLastToken.filter((a) => a.n <= maxRemoved) ?? [],
    },
    suggestions: run.suggestions.map((s) => ({ p: s.p, n: s.layers.length, layers: s.layers })),
    points,
    evaluations: measured.size,
    seconds: (performance.now() - t0) / 1000,
  };
}
