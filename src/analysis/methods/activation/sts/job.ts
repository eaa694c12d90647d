/**
 * The semantic-similarity analysis as a job on a model on disk: reads the scored pairs (the built-in
 * sample or a user's STS-B/SICK file), tokenizes every sentence with the model's tokenizer as the
 * activation analysis does (activation/job.ts: the tokenizer's own BOS rule unless told, the first
 * maxTokens tokens), checks the weights are finite, and runs stsAnalysis on a layer-streaming
 * executor. Shared by the worker ('activation/sts') and the CLI (`layer-lens activation-sts`).
 */
import type { Engine } from '../../../engine/engine';
import type { JobContext } from '../../../jobs';
import { executorFor } from '../../../model/executor/index';
import { loadTokenizer } from '../../../model/tokenizer';
import type { ModelHandle } from '../../../model/types';
import { STS_SAMPLE_PAIRS } from '../../../prompts/stsSample';
import { requireFiniteWeights } from '../../common/checkedRead';
import { loadStsPairs, type StsPair } from './pairs';
import { stsAnalysis, type StsResult, type TokenizedStsPair } from './sts';

/** Where the pairs come from: the built-in sample, or a TSV/JSONL file. */
export type StsPairsSource = { kind: 'sample' } | { kind: 'file'; path: string };

export interface StsJobParams {
  pairs: StsPairsSource;
  /** Use only the first maxPairs pairs of the file. */
  maxPairs?: number;
  /** Longer sentences keep their first maxTokens tokens (default 128, as the activation analysis). */
  maxTokens?: number;
  /** Prepend BOS (default: the tokenizer's own rule). */
  addBos?: boolean;
  maxTrackedParams?: number;
}

export interface StsJobResult extends StsResult {
  model: string;
  /** The pairs' file, or 'built-in sample'. */
  source: string;
  /** Pairs in the source (more than were used when maxPairs cut them). */
  pairsInSource: number;
  seconds: number;
}

export interface StsJobOptions extends JobContext {
  engine?: Engine;
}

export const STS_SAMPLE_SOURCE = 'built-in sample';

export async function readStsPairs(source: StsPairsSource): Promise<StsPair[]> {
  if (source.kind === 'file') return loadStsPairs(source.path);
  return STS_SAMPLE_PAIRS.map(([sentence1, sentence2, score]) => ({ sentence1, sentence2, score, line: 0 }));
}

export async function runStsJob(model: ModelHandle, params: StsJobParams, opts: StsJobOptions = {}): Promise<StsJobResult> {
  const t0 = performance.now();
  const source = params.pairs.kind === 'file' ? params.pairs.path : STS_SAMPLE_SOURCE;
  const all = await readStsPairs(params.pairs);
  const raw = params.maxPairs === undefined ? all : all.slice(0, params.maxPairs);
  const tok = await loadTokenizer(model.path);
  if (!tok) throw new Error(`${model.path} has no tokenizer.json or tokenizer.model, so its sentences cannot be tokenized`);
  const maxTokens = params.maxTokens ?? 128;
  const pairs: TokenizedStsPair[] = raw.map((p, i) => {
    const encode = (text: string, which: string) => {
      const ids = tok.encode(text, { addBos: params.addBos });
      if (ids.length === 0) throw new Error(`${source}${p.line ? `:${p.line}` : ` pair ${i + 1}`}: ${which} has no tokens`);
      return ids.slice(0, maxTokens);
    };
    return { ...p, ids1: encode(p.sentence1, 'sentence 1'), ids2: encode(p.sentence2, 'sentence 2') };
  });
  // A NaN weight makes every gradient after it NaN: name the matrices and stop instead of correlating NaN.
  await requireFiniteWeights(model, 'The semantic-similarity analysis', { signal: opts.signal, onProgress: opts.onProgress });
  const ex = executorFor(model, { engine: opts.engine });
  try {
    const result = await stsAnalysis(ex, pairs, { maxTrackedParams: params.maxTrackedParams, signal: opts.signal, onProgress: opts.onProgress });
    return { ...result, model: model.path, source, pairsInSource: all.length, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await ex.release();
  }
}
