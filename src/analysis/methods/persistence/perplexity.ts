/**
 * Perplexity of a model on a held-out text, with the layer-streaming executor: the text's tokens
 * are cut into consecutive windows (at most the model's context), each window's next-token
 * log-likelihoods are summed in float64, and perplexity = exp(total NLL / predicted tokens).
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../jobs';
import type { Engine } from '../../engine/engine';
import type { ModelHandle } from '../../model/types';
import { executorFor, type DecoderExecutor } from '../../model/executor/index';

export interface PerplexityResult {
  perplexity: number;
  meanNll: number;
  tokens: number;
  windows: number;
}

/** Mean negative log-likelihood of ids[t+1] given logits at t, logits [T, V] row-major. */
export function windowNll(logits: ArrayLike<number>, ids: number[], V: number): number {
  let total = 0;
  for (let t = 0; t + 1 < ids.length; t++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[t * V + v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[t * V + v] - m);
    total += m + Math.log(z) - logits[t * V + ids[t + 1]];
  }
  return total;
}

/** Tokens per window by default (at most the model's context). */
export const DEFAULT_PERPLEXITY_WINDOW = 128;

/**
 * exp(mean NLL) over consecutive windows of at most min(window, context) tokens of ids[0..maxTokens),
 * on any executor (the whole model, or one with layers removed): every caller measures the same
 * windows, so the same model gives the same number whichever job asks.
 */
export async function executorWindowPerplexity(
  ex: DecoderExecutor,
  ids: number[],
  opts: JobContext & { window?: number; maxTokens: number },
): Promise<PerplexityResult> {
  const window = Math.max(2, Math.min(opts.window ?? DEFAULT_PERPLEXITY_WINDOW, ex.cfg.maxPositions));
  const use = ids.slice(0, opts.maxTokens);
  if (use.length < 2) throw new Error('the held-out text needs at least two tokens');
  let nll = 0,
    count = 0,
    windows = 0;
  for (let s = 0; s + 1 < use.length; s += window) {
    throwIfCancelled(opts.signal);
    const w = use.slice(s, s + window);
    if (w.length < 2) break;
    const r = await ex.run([w], { logits: 'all' }, undefined, { signal: opts.signal });
    nll += windowNll(r.logits!, w, ex.cfg.vocabSize);
    count += w.length - 1;
    windows++;
    opts.onProgress?.({ done: Math.min(use.length, s + window), total: use.length, message: `perplexity window ${windows}` });
    await yieldToEventLoop();
  }
  return { perplexity: Math.exp(nll / count), meanNll: nll / count, tokens: count, windows };
}

export async function perplexity(
  model: ModelHandle,
  ids: number[],
  opts: JobContext & { engine?: Engine; window?: number; maxTokens?: number } = {},
): Promise<PerplexityResult> {
  const ex = executorFor(model, { engine: opts.engine });
  try {
    return await executorWindowPerplexity(ex, ids, { ...opts, maxTokens: opts.maxTokens ?? 4096 });
  } finally {
    await ex.release();
  }
}
