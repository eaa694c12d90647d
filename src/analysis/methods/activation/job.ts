/**
 * The activation analysis as a job on a model on disk: gathers prompts from their sources
 * (built-in domain sets, a user file, editor text, token ids), tokenizes them with the model's
 * tokenizer, and runs activationAnalysis on a layer-streaming executor. Shared by the worker
 * ('activation/run') and the CLI (`layer-lens activation`).
 */
import type { ModelHandle } from '../../model/types';
import type { Engine } from '../../engine/engine';
import { executorFor } from '../../model/executor/index';
import { loadTokenizer } from '../../model/tokenizer';
import { gatherPrompts, type PromptSource } from '../../prompts/promptSources';
import { requireFiniteWeights } from '../common/checkedRead';
import { activationAnalysis, type ActivationOptions, type ActivationResult, type Threshold, type TokenizedPrompt } from './activation';
import { cachedPromptRun, promptRunKey } from '../common/promptRunCache';
import type { CachedRun } from '../../cache/resultCache';

export type { PromptSource } from '../../prompts/promptSources';

export interface ActivationJobParams {
  prompts: PromptSource[];
  threshold?: Threshold;
  targetPruneRatio?: number;
  epsilon?: number;
  /** Longer prompts keep their first maxTokens tokens (default 128). */
  maxTokens?: number;
  /** Prepend BOS (default: the tokenizer's own rule). */
  addBos?: boolean;
  maxPairs?: number;
  maxTrackedParams?: number;
}

export interface ActivationJobResult extends ActivationResult {
  model: string;
  /** Seconds the run took when it was computed (a cached result keeps its original time). */
  seconds: number;
  /** Where the result came from: computed now, or the cache of finished runs. */
  cached: false | 'memory' | 'disk';
}

export interface ActivationJobOptions extends Pick<ActivationOptions, 'signal' | 'onProgress' | 'onPartial'>, CachedRun {
  engine?: Engine;
}

export async function runActivationJob(model: ModelHandle, params: ActivationJobParams, opts: ActivationJobOptions = {}): Promise<ActivationJobResult> {
  const t0 = performance.now();
  const raw = await gatherPrompts(params.prompts);
  const tok = raw.some((p) => 'text' in p) ? await loadTokenizer(model.path) : null;
  const maxTokens = params.maxTokens ?? 128;
  const prompts: TokenizedPrompt[] = raw.map((p) => {
    let ids: number[];
    if ('text' in p) {
      if (!tok) throw new Error(`${model.path} has no tokenizer.json or tokenizer.model, so text prompts cannot be used: give token ids`);
      ids = tok.encode(p.text, { addBos: params.addBos });
    } else {
      ids = p.ids;
    }
    if (ids.length === 0) throw new Error(`a prompt of domain "${p.domain}" has no tokens`);
    const label = 'text' in p ? p.text.slice(0, 80) : ids.slice(0, 12).join(',');
    return { domain: p.domain, label, ids: ids.slice(0, maxTokens) };
  });
  // Everything that changes the result; the prompts as tokenized, so edited sources count.
  const key = await promptRunKey('activation', model, prompts, {
    threshold: params.threshold ?? null,
    targetPruneRatio: params.targetPruneRatio ?? null,
    epsilon: params.epsilon ?? null,
    maxPairs: params.maxPairs ?? null,
    maxTrackedParams: params.maxTrackedParams ?? null,
  });
  return cachedPromptRun('activation', key, opts, async () => {
    // A NaN weight makes every gradient after it NaN: name the matrices and stop instead of plotting NaN.
    await requireFiniteWeights(model, 'The activation analysis', { signal: opts.signal, onProgress: opts.onProgress });
    const ex = executorFor(model, { engine: opts.engine });
    try {
      const result = await activationAnalysis(ex, prompts, {
        threshold: params.threshold,
        targetPruneRatio: params.targetPruneRatio,
        epsilon: params.epsilon,
        maxPairs: params.maxPairs,
        maxTrackedParams: params.maxTrackedParams,
        signal: opts.signal,
        onProgress: opts.onProgress,
        onPartial: opts.onPartial,
      });
      return { ...result, model: model.path, seconds: (performance.now() - t0) / 1000 };
    } finally {
      await ex.release();
    }
  });
}
