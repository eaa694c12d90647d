/**
 * Perplexity over held-out token sequences (each sequence on its own, from its first token):
 * exp(Σ NLL / Σ predicted tokens), the next-token log-likelihoods summed in float64 as in
 * persistence/perplexity.ts, which this shares its per-window sum with.
 */
import { throwIfCancelled, yieldToEventLoop, type JobContext } from '../../../jobs';
import type { DecoderExecutor } from '../../../model/executor/decoder';
import { windowNll } from '../../persistence/perplexity';

export async function heldOutPerplexity(ex: DecoderExecutor, sequences: number[][], ctx: JobContext = {}): Promise<number> {
  let nll = 0,
    count = 0;
  for (const ids of sequences) {
    throwIfCancelled(ctx.signal);
    if (ids.length < 2) continue;
    const r = await ex.run([ids], { logits: 'all' }, undefined, { signal: ctx.signal });
    nll += windowNll(r.logits!, ids, ex.cfg.vocabSize);
    count += ids.length - 1;
    await yieldToEventLoop();
  }
  if (count === 0) throw new Error('the held-out text needs at least one sequence of two or more tokens');
  return Math.exp(nll / count);
}
