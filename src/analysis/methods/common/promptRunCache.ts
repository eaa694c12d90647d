/**
 * Finished runs of the two prompt-driven analyses (gradient activation, persistence of hidden
 * states), so that re-opening their panel on the same model files, prompts and options — or the
 * next VS Code session — is instant instead of minutes of forward and backward passes. Stored by
 * the shared ResultCache, one entry per run. The key holds the model's file identity (which covers
 * config.json), a digest of the tokenized prompts (so an edited prompt file, another selection or
 * a changed tokenizer.json counts as other prompts) and every option that changes the result.
 */
import { createHash } from 'node:crypto';
import { modelIdentity } from '../../cache/fileIdentity';
import type { ModelHandle } from '../../model/types';
import { ResultCache, type CachedRun } from '../../cache/resultCache';

/**
 * The analyses whose runs are kept. Each stores its job's result less where it came from; the type
 * is the caller's (the job modules import this one, so naming their types here would close a loop).
 */
export type PromptRunKind = 'activation' | 'persistence';

/** Bumped whenever a stored result's shape or meaning changes. */
const FORMAT: Record<PromptRunKind, number> = { activation: 2, persistence: 2 };

/**
 * A result is small next to its cost (per-layer fractions and pair similarities; barcodes and
 * heatmaps): a few hundred KB at most for a 32-layer model with a few hundred prompts.
 */
const caches: Record<PromptRunKind, ResultCache<unknown>> = {
  activation: new ResultCache({ folder: 'activation', memoryCapacity: 16, diskCapacity: 128 }),
  persistence: new ResultCache({ folder: 'persistence', memoryCapacity: 16, diskCapacity: 128 }),
};

/** The cache key of a run: `prompts` and `options` are hashed as JSON (give them in a fixed key order). */
export async function promptRunKey(
  kind: PromptRunKind,
  model: Pick<ModelHandle, 'kind' | 'path' | 'files'>,
  prompts: unknown,
  options: Record<string, unknown>,
): Promise<string> {
  const digest = createHash('sha256').update(JSON.stringify({ prompts, options })).digest('hex');
  return `${kind}:v${FORMAT[kind]}#${await modelIdentity(model)}#${digest}`;
}

/**
 * The run under `key`: from the cache when it was finished before (unless forced), otherwise
 * computed by `compute`, stored, and returned with `cached: false`.
 */
export async function cachedPromptRun<T extends object>(
  kind: PromptRunKind,
  key: string,
  opts: CachedRun,
  compute: () => Promise<T>,
): Promise<T & { cached: false | 'memory' | 'disk' }> {
  const { value, from } = await (caches[kind] as ResultCache<T>).cached(key, opts, compute);
  return { ...value, cached: from };
}

/** Forgets every in-memory run (tests; the disk copies stay). */
export function clearPromptRunMemoryCaches(): void {
  for (const c of Object.values(caches)) c.clearMemory();
}
