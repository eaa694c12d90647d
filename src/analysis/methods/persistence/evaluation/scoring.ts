/**
 * What a (pruned) model is measured by, on any executor (executorWithout runs one with layers
 * removed): perplexity on held-out token ids, with the window loop of perplexity.ts, and the
 * log-likelihood accuracy on multiple-choice items as lm-evaluation-harness computes it.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../../jobs';
import type { DecoderExecutor } from '../../../model/executor/index';
import type { PromptTokenizer } from '../../../model/tokenizer';
import { executorWindowPerplexity, type PerplexityResult } from '../perplexity';
import type { ChoiceItem } from './choices';

/** Held-out tokens measured at most by default (the "Prune and evaluate" job's default). */
export const DEFAULT_EVAL_TOKENS = 2048;
/**
 * Perplexity of an executor on held-out token ids: the windows of `perplexity` in perplexity.ts
 * (executorWindowPerplexity), so an executor of the whole model gives the same number.
 */
export function executorPerplexity(ex: DecoderExecutor, ids: number[], opts: JobContext & { maxTokens?: number } = {}): Promise<PerplexityResult> {
  return executorWindowPerplexity(ex, ids, { ...opts, maxTokens: opts.maxTokens ?? DEFAULT_EVAL_TOKENS });
}

/**
 * Context and continuation token ids as lm-eval's `TemplateLM._encode_pair` (lm_eval/api/model.py)
 * makes them: trailing spaces of the context move to the continuation, the continuation's ids are
 * those of encode(context + continuation) after the first len(encode(context)); `HFLM.tok_encode`
 * (lm_eval/models/huggingface.py) adds no BOS to a causal model by default. An empty context is
 * the end-of-text token (`TemplateLM.loglikelihood`, prefix_token_id).
 */
export function encodePair(tok: PromptTokenizer, context: string, continuation: string, eotId: number | null): { context: number[]; continuation: number[] } {
  if (context === '') {
    if (eotId === null) throw new Error('an item with an empty context needs the end-of-text token, and config.json names no eos_token_id');
    return { context: [eotId], continuation: tok.encode(continuation, { addBos: false }) };
  }
  const spaces = context.length - context.trimEnd().length;
  if (spaces > 0) {
    continuation = context.slice(context.length - spaces) + continuation;
    context = context.slice(0, context.length - spaces);
  }
  const whole = tok.encode(context + continuation, { addBos: false });
  const ctx = tok.encode(context, { addBos: false });
  return { context: ctx, continuation: whole.slice(ctx.length) };
}

/**
 * Sum of log p(continuation token | everything before it), the input being (context +
 * continuation) without its last token and cut on the left to the model's context, as
 * `HFLM._loglikelihood_tokens`.
 */
export async function continuationLogLikelihood(ex: DecoderExecutor, context: number[], continuation: number[], signal?: AbortSignal): Promise<number> {
  if (continuation.length === 0) throw new Error('a choice encodes to no token');
  const all = [...context, ...continuation];
  const input = all.slice(-(ex.cfg.maxPositions + 1)).slice(0, -1);
  const targets = continuation.slice(-input.length);
  const r = await ex.run([input], { logits: 'all' }, undefined, { signal });
  const V = ex.cfg.vocabSize,
    T = input.length,
    logits = r.logits!;
  let sum = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = T - targets.length + i;
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[t * V + v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[t * V + v] - m);
    sum += logits[t * V + targets[i]] - m - Math.log(z);
  }
  return sum;
}

export interface ChoiceScore {
  items: number;
  /** Share of items whose gold choice has the highest summed log-likelihood. */
  acc: number;
  /** The same with each log-likelihood divided by its choice's length in characters. */
  accNorm: number;
  /** [item][choice] summed log-likelihoods of the continuation " " + choice. */
  loglikelihoods: number[][];
}

/** Index of the first maximum (np.argmax). */
function argmax(a: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/**
 * acc and acc_norm as lm-eval's `ConfigurableTask.process_results` for multiple_choice tasks
 * (lm_eval/api/task.py): pred = argmax(lls), pred_norm = argmax(lls / completion_len) with
 * completion_len = len(choice), the choice's length in characters (code points, as Python's len)
 * without the leading space; each continuation is target_delimiter " " + choice.
 */
export function choiceAccuracy(items: readonly ChoiceItem[], lls: number[][]): { acc: number; accNorm: number } {
  let acc = 0,
    norm = 0;
  items.forEach((item, i) => {
    if (argmax(lls[i]) === item.gold) acc++;
    if (argmax(lls[i].map((ll, c) => ll / [...item.choices[c]].length)) === item.gold) norm++;
  });
  return { acc: acc / items.length, accNorm: norm / items.length };
}

export async function scoreChoices(
  ex: DecoderExecutor,
  tok: PromptTokenizer,
  items: readonly ChoiceItem[],
  eotId: number | null,
  ctx: JobContext = {},
): Promise<ChoiceScore> {
  const lls: number[][] = [];
  for (const [i, item] of items.entries()) {
    throwIfCancelled(ctx.signal);
    const row: number[] = [];
    for (const choice of item.choices) {
      const pair = encodePair(tok, item.context, ` ${choice}`, eotId);
      row.push(await continuationLogLikelihood(ex, pair.context, pair.continuation, ctx.signal));
    }
    lls.push(row);
    ctx.onProgress?.({ done: i + 1, total: items.length, message: `multiple-choice item ${i + 1}/${items.length}` });
    await yieldToEventLoop();
  }
  return { items: items.length, ...choiceAccuracy(items, lls), loglikelihoods: lls };
}
