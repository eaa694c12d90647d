/**
 * The persistence analysis as a job on a model on disk: prompts (built-in sets, a user file, token
 * ids) are tokenized without BOS (methods.md §5), run through the layer-streaming executor, and the
 * last token's output of every post_attention_layernorm plus the final norm become the L + 1
 * clouds; the same passes' residual stream (the hidden states at the L + 1 layer boundaries) gives
 * the Block Influence and angular-distance baselines (baselines.ts). Also the "prune and evaluate"
 * job: write the pruned copy, then compare perplexities.
 * Shared by the worker ('persistence/run', 'persistence/prune') and the CLI.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Engine } from '../../engine/engine';
import type { ModelHandle } from '../../model/types';
import type { Matrix } from '../../linalg/matrix';
import { decoderConfig, executorFor } from '../../model/executor/index';
import { loadTokenizer } from '../../model/tokenizer';
import { openModel } from '../../model/openModel';
import { gatherPrompts, type PromptSource } from '../../prompts/promptSources';
import { persistenceAnalysis, type PersistenceOptions, type PersistenceResult } from './persistence';
import { writePrunedModel, type PruneReport } from './prune';
import { perplexity, type PerplexityResult } from './perplexity';
import { requireFiniteWeights } from '../common/checkedRead';
import { DEFAULT_MAX_TOKENS, type PromptKeep, type PromptTruncation } from './truncation';
import { countNonFinite } from '../common/nonFinite';
import { cachedPromptRun, promptRunKey } from '../common/promptRunCache';
import { defaultAngularBlocks, ResidualStreamAccumulator, type ResidualStreamBaselines } from './baselines';
import type { CachedRun } from '../../cache/resultCache';
import { heldOutLabel, heldOutText, type HeldOutSource } from './evaluation/heldOut';

export interface PersistenceJobParams extends PersistenceOptions {
  prompts: PromptSource[];
  /** Tokens a prompt keeps at most (default 2048, the reference's; never more than the model's context). */
  maxTokens?: number;
  /** Which tokens a longer prompt keeps: its first ones (default, as the reference) or its last ones. */
  keep?: PromptKeep;
  /** Prompts run together when they have the same length (default: as many as make 1024 tokens, at least one). */
  batchSize?: number;
}

export interface PersistenceJobResult extends PersistenceResult {
  model: string;
  prompts: number;
  /** How prompts longer than the limit were cut, and which ones. */
  truncation: PromptTruncation;
  seconds: number;
  /** Seconds of forward passes collecting the hidden states. */
  forwardSeconds: number;
  /** Where the result came from: computed now, or the cache of finished runs (which keeps the original times). */
  cached: false | 'memory' | 'disk';
}

export interface PersistenceJobOptions extends JobContext, CachedRun {
  engine: Engine;
}

/**
 * The prompts as token ids, without BOS, each cut to at most min(maxTokens, the model's context)
 * tokens. The reference tokenizes with `tokenizer(text, add_special_tokens=False,
 * max_length=2048, truncation=True)` (`encode_func` in
 * src/representation/rep-extraction/utils/dataset_utils.py of
 * github.com/YuriGardinazzi/conferenceProject), and a Hugging Face tokenizer truncates on its
 * right by default: a longer prompt keeps its FIRST tokens, and the "last token" whose state is
 * read is the last one kept. keep = 'last' keeps the end of the prompt instead.
 */
export async function tokenizePrompts(
  model: ModelHandle,
  sources: PromptSource[],
  maxTokens = DEFAULT_MAX_TOKENS,
  keep: PromptKeep = 'first',
): Promise<{ prompts: number[][]; truncation: PromptTruncation }> {
  const raw = await gatherPrompts(sources);
  const tok = raw.some((p) => 'text' in p) ? await loadTokenizer(model.path) : null;
  const context = decoderConfig(model).maxPositions;
  const limit = Math.min(maxTokens, context);
  const truncated: PromptTruncation['truncated'] = [];
  const prompts = raw.map((p, i) => {
    let ids: number[];
    if ('text' in p) {
      if (!tok) throw new Error(`${model.path} has no tokenizer.json or tokenizer.model, so text prompts cannot be used: give token ids`);
      ids = tok.encode(p.text, { addBos: false });
    } else ids = p.ids;
    if (ids.length === 0) throw new Error(`a prompt of domain "${p.domain}" has no tokens`);
    if (ids.length <= limit) return ids;
    truncated.push({ prompt: i, kept: limit, of: ids.length });
    return keep === 'first' ? ids.slice(0, limit) : ids.slice(-limit);
  });
  return { prompts, truncation: { keep, maxTokens, context, limit, truncated } };
}

const TOKENS_PER_BATCH = 1024;

/**
 * Last-token clouds: [L post-attention norms..., final norm], each [prompts, hidden]; and, from the
 * same forward passes, the residual-stream baselines (hidden_states[0..L], every token, reduced
 * batch by batch: no state is kept beyond its batch).
 */
export async function hiddenStateClouds(
  model: ModelHandle,
  prompts: number[][],
  opts: JobContext & { engine?: Engine; batchSize?: number; angularBlocks?: number[] } = {},
): Promise<{ clouds: Matrix[]; names: string[]; residualStream: ResidualStreamBaselines }> {
  const ex = executorFor(model, { engine: opts.engine });
  try {
    const L = ex.cfg.numLayers,
      d = ex.cfg.hiddenSize,
      P = prompts.length;
    const clouds: Matrix[] = Array.from({ length: L + 1 }, () => ({ rows: P, cols: d, data: new Float32Array(P * d) }));
    const residual = new ResidualStreamAccumulator(L + 1, d, opts.angularBlocks?.length ? opts.angularBlocks : defaultAngularBlocks(L));
    const byLength = new Map<number, number[]>();
    prompts.forEach((ids, i) => byLength.set(ids.length, [...(byLength.get(ids.length) ?? []), i]));
    let done = 0;
    for (const [T, members] of byLength) {
      // Every layer's states of the whole batch are held: by default ≤ 1024 tokens a batch (16 prompts of 64).
      const batchSize = opts.batchSize ?? Math.max(1, Math.floor(TOKENS_PER_BATCH / T));
      for (let b0 = 0; b0 < members.length; b0 += batchSize) {
        throwIfCancelled(opts.signal);
        const idx = members.slice(b0, b0 + batchSize);
        const r = await ex.run(
          idx.map((i) => prompts[i]),
          // The executor keeps the layer boundaries anyway: asking for them costs no pass and no copy.
          { logits: 'none', postAttentionNorm: true, finalNorm: true, hiddenStates: true },
          undefined,
          { signal: opts.signal },
        );
        idx.forEach((p, b) => {
          for (let l = 0; l < L; l++) clouds[l].data.set(r.postAttentionNorm![l].subarray((b * T + T - 1) * d, (b * T + T) * d), p * d);
          clouds[L].data.set(r.finalNorm!.subarray(b * d, (b + 1) * d), p * d);
        });
        residual.add(r.hiddenStates!, idx.length, T);
        done += idx.length;
        opts.onProgress?.({ done, total: P, message: `hidden states ${done}/${P}` });
        await yieldToEventLoop();
      }
    }
    const names = [...Array.from({ length: L }, (_, l) => `layer ${l} post-attention norm`), 'final norm'];
    // Role matrices were checked before (requireFiniteWeights); a NaN here comes from a norm, bias or embedding row.
    const bad = clouds.findIndex((c) => {
      const n = countNonFinite(c.data);
      return n.nan + n.posInf + n.negInf > 0;
    });
    if (bad >= 0)
      throw new Error(
        `the hidden states at ${names[bad]} hold NaN/Inf: a norm, bias or embedding weight is non-finite, so the persistence analysis cannot run`,
      );
    const residualStream = residual.result();
    if (![...residualStream.blockInfluence, ...residualStream.angularAllTokens.flatMap((a) => a.values)].every(Number.isFinite))
      throw new Error('the residual stream holds NaN/Inf: a norm, bias or embedding weight is non-finite, so the persistence analysis cannot run');
    return { clouds, names, residualStream };
  } finally {
    await ex.release();
  }
}

/** Splits one job's progress into stages with fixed shares of the bar. */
function stage(ctx: JobContext, from: number, to: number): JobContext['onProgress'] {
  return (p) => ctx.onProgress?.({ done: Math.round(from + ((to - from) * p.done) / Math.max(1, p.total)), total: 1000, message: p.message });
}

export async function runPersistenceJob(model: ModelHandle, params: PersistenceJobParams, opts: PersistenceJobOptions): Promise<PersistenceJobResult> {
  const t0 = performance.now();
  const { prompts, truncation } = await tokenizePrompts(model, params.prompts, params.maxTokens ?? DEFAULT_MAX_TOKENS, params.keep ?? 'first');
  // Everything that changes the result; the prompts as tokenized, so edited sources count. The
  // batch size only groups forward passes, but batched sums may round differently: it counts too.
  const key = await promptRunKey('persistence', model, prompts, {
    k: params.k ?? null,
    maxDim: params.maxDim ?? null,
    ratios: params.ratios ?? null,
    angularBlocks: params.angularBlocks ?? null,
    batchSize: params.batchSize ?? null,
    // Not the tokens (the key has them) but what the result reports about them, and the cap.
    keep: truncation.keep,
    maxTokens: truncation.maxTokens,
    maxPrunedShare: params.maxPrunedShare ?? null,
    // Results before the baselines moved to the residual stream hold other fields.
    baselines: 'residual-stream',
  });
  return cachedPromptRun('persistence', key, opts, async () => {
    // A NaN weight makes every hidden state after it NaN, and a k-NN graph of NaN points is meaningless.
    await requireFiniteWeights(model, 'The persistence analysis', { signal: opts.signal });
    const { clouds, names, residualStream } = await hiddenStateClouds(model, prompts, {
      engine: opts.engine,
      signal: opts.signal,
      batchSize: params.batchSize,
      angularBlocks: params.angularBlocks,
      onProgress: stage(opts, 0, 500),
    });
    const forwardSeconds = (performance.now() - t0) / 1000;
    const result = await persistenceAnalysis(opts.engine, clouds, names, {
      k: params.k,
      maxDim: params.maxDim,
      ratios: params.ratios,
      angularBlocks: params.angularBlocks,
      maxPrunedShare: params.maxPrunedShare,
      signal: opts.signal,
      onProgress: stage(opts, 500, 1000),
    });
    return { ...result, residualStream, model: model.path, prompts: prompts.length, truncation, seconds: (performance.now() - t0) / 1000, forwardSeconds };
  });
}

export interface PruneJobParams {
  layers: number[];
  outDir: string;
  /** Held-out text: a file, literal text, or (default) the built-in prompts joined by blank lines. */
  heldOut?: HeldOutSource;
  /** Tokens of held-out text evaluated (default 2048). */
  maxEvalTokens?: number;
}

export interface PruneJobResult {
  prune: PruneReport;
  heldOutSource: string;
  original: PerplexityResult;
  pruned: PerplexityResult;
  seconds: number;
}

export async function runPruneJob(model: ModelHandle, params: PruneJobParams, opts: JobContext & { engine: Engine }): Promise<PruneJobResult> {
  const t0 = performance.now();
  const held: HeldOutSource = params.heldOut ?? { kind: 'builtin' };
  const text = await heldOutText(held);
  await requireFiniteWeights(model, 'Prune and evaluate', { signal: opts.signal });
  const tok = await loadTokenizer(model.path);
  if (!tok) throw new Error(`${model.path} has no tokenizer.json or tokenizer.model: perplexity needs one to tokenize the held-out text`);
  const ids = tok.encode(text, { addBos: true });
  const maxTokens = params.maxEvalTokens ?? 2048;
  const prune = await writePrunedModel(model, params.layers, params.outDir, { signal: opts.signal, onProgress: stage(opts, 0, 100) });
  const original = await perplexity(model, ids, { engine: opts.engine, signal: opts.signal, maxTokens, onProgress: stage(opts, 100, 550) });
  throwIfCancelled(opts.signal);
  const prunedModel = await openModel(prune.outDir);
  const pruned = await perplexity(prunedModel, ids, { engine: opts.engine, signal: opts.signal, maxTokens, onProgress: stage(opts, 550, 1000) });
  return { prune, heldOutSource: heldOutLabel(held), original, pruned, seconds: (performance.now() - t0) / 1000 };
}
