/**
 * The pruning experiment as a job on a model on disk: gathers and tokenizes the prompts, splits
 * each domain's last prompts off as held-out text, reads the held-out text file if one is given,
 * and runs pruneExperiment on a layer-streaming executor. Shared by the worker
 * ('activation/pruneExperiment') and the CLI (`layer-lens activation-prune`).
 */
import { readFile } from 'node:fs/promises';
import type { Engine } from '../../../engine/engine';
import type { JobContext } from '../../../jobs';
import { executorFor } from '../../../model/executor/index';
import { loadTokenizer, type PromptTokenizer } from '../../../model/tokenizer';
import type { ModelHandle } from '../../../model/types';
import { gatherPrompts, type PromptSource } from '../../../prompts/promptSources';
import { requireFiniteWeights } from '../../common/checkedRead';
import type { TokenizedPrompt } from '../activation';
import type { PruneExperimentJobParams } from './options';

export type { PruneExperimentJobParams } from './options';
import { pruneExperiment, type PruneExperimentResult } from './pruneExperiment';

export interface PruneExperimentJobResult extends PruneExperimentResult {
  model: string;
  seconds: number;
  /** Where experiment (a)'s held-out text came from. */
  heldOutSource: 'text file' | 'held-out prompts';
}

/** Each domain's last `k` prompts are held out; a domain needs more than `k`. */
export function splitHeldOut(prompts: TokenizedPrompt[], k: number): { calibration: TokenizedPrompt[]; heldOut: TokenizedPrompt[] } {
  const calibration: TokenizedPrompt[] = [],
    heldOut: TokenizedPrompt[] = [];
  for (const d of new Set(prompts.map((p) => p.domain))) {
    const mine = prompts.filter((p) => p.domain === d);
    if (mine.length <= k) throw new Error(`domain "${d}" has ${mine.length} prompt${mine.length === 1 ? '' : 's'}; it needs more than the ${k} held out`);
    calibration.push(...mine.slice(0, mine.length - k));
    heldOut.push(...mine.slice(mine.length - k));
  }
  return { calibration, heldOut };
}

/** Built-in sets cut to a count give `heldOut` more prompts per domain, so that the calibration count stays as asked (uncut sets hold out their last prompts). */
function withHeldOut(sources: PromptSource[], heldOut: number): PromptSource[] {
  return sources.map((s) => (s.kind === 'builtin' && s.perDomain !== undefined ? { ...s, perDomain: s.perDomain + heldOut } : s));
}

async function tokenizer(model: ModelHandle): Promise<PromptTokenizer> {
  const tok = await loadTokenizer(model.path);
  if (!tok) throw new Error(`${model.path} has no tokenizer.json or tokenizer.model, so text cannot be used: give token ids`);
  return tok;
}

export async function runPruneExperimentJob(
  model: ModelHandle,
  params: PruneExperimentJobParams,
  opts: JobContext & { engine?: Engine } = {},
): Promise<PruneExperimentJobResult> {
  const t0 = performance.now();
  const maxTokens = params.maxTokens ?? 128;
  const k = params.heldOutPerDomain ?? (params.heldOutText && !params.domains ? 0 : 2);
  const raw = await gatherPrompts(withHeldOut(params.prompts, k));
  const tok = raw.some((p) => 'text' in p) || params.heldOutText ? await tokenizer(model) : null;
  const prompts: TokenizedPrompt[] = raw.map((p) => {
    const ids = 'text' in p ? tok!.encode(p.text, { addBos: params.addBos }) : p.ids;
    if (ids.length === 0) throw new Error(`a prompt of domain "${p.domain}" has no tokens`);
    return { domain: p.domain, label: 'text' in p ? p.text.slice(0, 80) : ids.slice(0, 12).join(','), ids: ids.slice(0, maxTokens) };
  });
  const { calibration, heldOut } = splitHeldOut(prompts, k);
  let heldOutText: number[][] | undefined;
  if (params.heldOutText) {
    const ids = tok!.encode(await readFile(params.heldOutText, 'utf8'), { addBos: params.addBos }).slice(0, params.maxEvalTokens ?? 4096);
    if (ids.length < 2) throw new Error(`the held-out text ${params.heldOutText} has fewer than two tokens`);
    heldOutText = [];
    for (let s = 0; s + 1 < ids.length; s += maxTokens) heldOutText.push(ids.slice(s, s + maxTokens));
  }
  await requireFiniteWeights(model, 'The pruning experiment', { signal: opts.signal, onProgress: opts.onProgress });
  const ex = executorFor(model, { engine: opts.engine });
  try {
    const result = await pruneExperiment(
      ex,
      { calibration, heldOut, heldOutText },
      {
        targetPruneRatio: params.targetPruneRatio,
        lambda: params.lambda,
        threshold: params.threshold,
        domains: params.domains,
        signal: opts.signal,
        onProgress: opts.onProgress,
      },
    );
    return { ...result, model: model.path, seconds: (performance.now() - t0) / 1000, heldOutSource: heldOutText ? 'text file' : 'held-out prompts' };
  } finally {
    await ex.release();
  }
}
