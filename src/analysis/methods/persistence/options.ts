/**
 * Options of the persistence panel and request, and their validation: they arrive from another
 * process or a webview, so every field is checked. File paths never come from the webview: the
 * prompt file a user chose stays with the host, the options only say whether to use it.
 */
import { BUILTIN_DOMAINS } from '../../prompts/index';
import type { PromptSource } from '../activation/job';
import { DEFAULT_K, DEFAULT_MAX_DIM } from './persistence';
import type { PersistenceJobParams } from './job';

export interface PersistencePanelOptions {
  domains: string[];
  /** Prompts per built-in domain (0 = all of them). */
  perDomain: number;
  useFile: boolean;
  k: number;
  maxDim: number;
  maxTokens: number;
}

export const DEFAULT_PERSISTENCE_OPTIONS: PersistencePanelOptions = {
  domains: [...BUILTIN_DOMAINS],
  perDomain: 0,
  useFile: false,
  k: DEFAULT_K,
  maxDim: DEFAULT_MAX_DIM,
  maxTokens: 64,
};

function fail(msg: string): never {
  throw new Error(`persistence options: ${msg}`);
}

function integerIn(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer in [${min}, ${max}]`);
  return v;
}

export function parsePersistenceOptions(raw: unknown): PersistencePanelOptions {
  if (typeof raw !== 'object' || raw === null) fail('expected an object');
  const o = raw as Record<string, unknown>;
  if (!Array.isArray(o.domains) || !o.domains.every((d) => typeof d === 'string' && (BUILTIN_DOMAINS as readonly string[]).includes(d))) {
    fail(`domains must be a list of ${BUILTIN_DOMAINS.join(', ')}`);
  }
  if (typeof o.useFile !== 'boolean') fail('useFile must be a boolean');
  const out: PersistencePanelOptions = {
    domains: [...new Set(o.domains as string[])],
    perDomain: integerIn(o.perDomain, 'perDomain', 0, 100000),
    useFile: o.useFile,
    k: integerIn(o.k, 'k', 1, 100),
    maxDim: integerIn(o.maxDim, 'maxDim', 2, 5),
    maxTokens: integerIn(o.maxTokens, 'maxTokens', 1, 8192),
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
  return { prompts, k: o.k, maxDim: o.maxDim, maxTokens: o.maxTokens };
}

/** Checks prompt sources sent to the worker. */
export function checkPromptSources(v: unknown): PromptSource[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error("Parameter 'prompts' must be a non-empty array of prompt sources.");
  for (const s of v as Array<Record<string, unknown>>) {
    const ok =
      s &&
      typeof s === 'object' &&
      ((s.kind === 'builtin' &&
        (s.domains === undefined || (Array.isArray(s.domains) && s.domains.every((d) => typeof d === 'string'))) &&
        (s.perDomain === undefined || (Number.isInteger(s.perDomain) && (s.perDomain as number) > 0))) ||
        (s.kind === 'file' && typeof s.path === 'string') ||
        (s.kind === 'text' && typeof s.text === 'string') ||
        (s.kind === 'tokens' && Array.isArray(s.ids) && s.ids.every((r) => Array.isArray(r) && r.every((t) => Number.isInteger(t) && t >= 0))));
    if (!ok) throw new Error(`Unknown or malformed prompt source ${JSON.stringify(s).slice(0, 120)}.`);
  }
  return v as PromptSource[];
}
