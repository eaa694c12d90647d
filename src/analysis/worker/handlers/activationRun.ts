import { runActivationJob, type PromptSource } from '../../methods/activation/job';
import type { ActivationResult } from '../../methods/activation/activation';
import { cachedRunParams, requireString, WorkerError } from '../errors';
import type { Handler } from './types';

function checkSources(v: unknown): PromptSource[] {
  if (!Array.isArray(v) || v.length === 0) throw new WorkerError('bad-input', "Parameter 'prompts' must be a non-empty array of prompt sources.");
  for (const s of v as Array<Record<string, unknown>>) {
    const ok =
      s &&
      typeof s === 'object' &&
      ((s.kind === 'builtin' && (s.domains === undefined || (Array.isArray(s.domains) && s.domains.every((d) => typeof d === 'string')))) ||
        (s.kind === 'file' && typeof s.path === 'string') ||
        (s.kind === 'text' && typeof s.text === 'string') ||
        (s.kind === 'tokens' && Array.isArray(s.ids) && s.ids.every((r) => Array.isArray(r) && r.every((t) => Number.isInteger(t) && t >= 0))));
    if (!ok) throw new WorkerError('bad-input', `Unknown or malformed prompt source ${JSON.stringify(s).slice(0, 120)}.`);
  }
  return v as PromptSource[];
}

function optionalNumber(params: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= min && v <= max)) throw new WorkerError('bad-input', `Parameter '${key}' must be a number in [${min}, ${max}].`);
  return v;
}

/** Gradient-based parameter activation over a prompt set; streams the running result after each prompt. */
export const activationRun: Handler<'activation/run'> = async (params, ctx) => {
  const model = await ctx.model(requireString(params, 'path'));
  const p = params as unknown as Record<string, unknown>;
  const th = params.threshold;
  if (th !== undefined && !((th.kind === 'absolute' && (th.tau === undefined || th.tau > 0)) || (th.kind === 'relative' && th.factor > 0))) {
    throw new WorkerError('bad-input', "Parameter 'threshold' must be {kind:'absolute', tau?>0} or {kind:'relative', factor>0}.");
  }
  return runActivationJob(
    model,
    {
      prompts: checkSources(params.prompts),
      threshold: th,
      targetPruneRatio: optionalNumber(p, 'targetPruneRatio', 0, 1),
      epsilon: optionalNumber(p, 'epsilon', 0, 1e6),
      maxTokens: optionalNumber(p, 'maxTokens', 1, 1e6),
      addBos: typeof params.addBos === 'boolean' ? params.addBos : undefined,
      maxPairs: optionalNumber(p, 'maxPairs', 0, 1e6),
    },
    {
      ...cachedRunParams(params),
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      onPartial: (r: ActivationResult) => ctx.onPartial(r),
      engine: await ctx.engine(),
    },
  );
};
