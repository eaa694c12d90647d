/**
 * Options of the persistence panel and of its run, and their validation: they arrive from another
 * process, a webview or the command line, so every field is checked. `parsePersistenceJobParams` is
 * the one validator of the run options (the worker's 'persistence/run', the CLI); the panel's own
 * options (`parsePersistenceOptions`) map to them through `persistenceJobParams`. File paths never
 * come from the webview: the prompt file a user chose stays with the host, the options only say
 * whether to use it.
 */
import { BUILTIN_DOMAINS } from '../../prompts/index';
import type { PromptSource } from '../activation/job';
import { checkPromptSources } from '../common/promptSources';
import { isObject, optionReader } from '../common/options';
import { DEFAULT_K, DEFAULT_MAX_DIM, DEFAULT_MAX_PRUNED_SHARE } from './defaults';
import type { PersistenceJobParams } from './job';
import { DEFAULT_MAX_TOKENS, PROMPT_KEEPS, type PromptKeep } from './truncation';

export interface PersistencePanelOptions {
  domains: string[];
  /** Prompts per built-in domain (0 = all of them). */
  perDomain: number;
  useFile: boolean;
  k: number;
  maxDim: number;
  maxTokens: number;
  /** Which tokens a longer prompt keeps. */
  keep: PromptKeep;
  /** Largest share of the decoder layers a suggestion removes, in (0, 1). */
  maxPrunedShare: number;
}

export const DEFAULT_PERSISTENCE_OPTIONS: PersistencePanelOptions = {
  domains: [...BUILTIN_DOMAINS],
  perDomain: 0,
  useFile: false,
  k: DEFAULT_K,
  maxDim: DEFAULT_MAX_DIM,
  maxTokens: DEFAULT_MAX_TOKENS,
  keep: 'first',
  maxPrunedShare: DEFAULT_MAX_PRUNED_SHARE,
};

function fail(msg: string): never {
  throw new Error(`persistence options: ${msg}`);
}

function integerIn(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer in [${min}, ${max}]`);
  return v;
}

/** A share of the layers: a number strictly between 0 and 1. */
export function isPrunedShare(v: unknown): v is number {
  return typeof v === 'number' && v > 0 && v < 1;
}

export function parsePersistenceOptions(raw: unknown): PersistencePanelOptions {
  if (typeof raw !== 'object' || raw === null) fail('expected an object');
  const o = raw as Record<string, unknown>;
  if (!Array.isArray(o.domains) || !o.domains.every((d) => typeof d === 'string' && (BUILTIN_DOMAINS as readonly string[]).includes(d))) {
    fail(`domains must be a list of ${BUILTIN_DOMAINS.join(', ')}`);
  }
  if (typeof o.useFile !== 'boolean') fail('useFile must be a boolean');
  if (!(PROMPT_KEEPS as readonly unknown[]).includes(o.keep)) fail(`keep must be ${PROMPT_KEEPS.join(' or ')}`);
  if (!isPrunedShare(o.maxPrunedShare)) fail('maxPrunedShare must be a number in (0, 1)');
  const out: PersistencePanelOptions = {
    domains: [...new Set(o.domains as string[])],
    perDomain: integerIn(o.perDomain, 'perDomain', 0, 100000),
    useFile: o.useFile,
    k: integerIn(o.k, 'k', 1, 100),
    maxDim: integerIn(o.maxDim, 'maxDim', 2, 5),
    maxTokens: integerIn(o.maxTokens, 'maxTokens', 1, 8192),
    keep: o.keep as PromptKeep,
    maxPrunedShare: o.maxPrunedShare as number,
  };
  if (out.domains.length === 0 && !out.useFile) fail('choose at least one prompt source');
  return out;
}

/** The worker request for these options; `file` is the prompt file the host holds, if any. */
export function persistenceJobParams(o: PersistencePanelOptions, held: { file?: string }): PersistenceJobParams {
  const prompts: PromptSource[] = [];
  if (o.useFile) {
    if (held.file === undefined) fail('this panel was not opened with a prompt file');
    prompts.push({ kind: 'file', path: held.file });
  }
  if (o.domains.length) prompts.push({ kind: 'builtin', domains: o.domains, perDomain: o.perDomain > 0 ? o.perDomain : undefined });
  return { prompts, k: o.k, maxDim: o.maxDim, maxTokens: o.maxTokens, keep: o.keep, maxPrunedShare: o.maxPrunedShare };
}

const read = optionReader('persistence');

/**
 * The one validator of the run options: prompt sources, k, clique dimension, tokens and which of
 * them a longer prompt keeps, batch size, pruning ratios and the largest share of layers pruned.
 */
export function parsePersistenceJobParams(raw: unknown): PersistenceJobParams {
  if (!isObject(raw)) throw new Error('persistence options must be an object');
  const ratios = raw.ratios;
  if (ratios !== undefined && !(Array.isArray(ratios) && ratios.length > 0 && ratios.every((p) => typeof p === 'number' && p > 0 && p <= 1))) {
    read.fail('ratios', 'a non-empty list of numbers in (0, 1]');
  }
  const out: PersistenceJobParams = { prompts: checkPromptSources(raw.prompts) };
  const k = read.integer(raw, 'k', 1, 100);
  if (k !== undefined) out.k = k;
  const maxDim = read.integer(raw, 'maxDim', 1, 5);
  if (maxDim !== undefined) out.maxDim = maxDim;
  const maxTokens = read.integer(raw, 'maxTokens', 1, 1 << 20);
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  const keep = read.oneOf(raw, 'keep', PROMPT_KEEPS);
  if (keep !== undefined) out.keep = keep;
  const batchSize = read.integer(raw, 'batchSize', 1, 1024);
  if (batchSize !== undefined) out.batchSize = batchSize;
  if (read.present(raw, 'maxPrunedShare')) {
    const share = raw.maxPrunedShare;
    if (!isPrunedShare(share)) return read.fail('maxPrunedShare', `a number in (0, 1), got ${JSON.stringify(share)}`);
    out.maxPrunedShare = share;
  }
  if (ratios !== undefined) out.ratios = ratios as number[];
  return out;
}
