/**
 * The prompt sources of a run of a prompt-driven analysis (activation, persistence), checked as they
 * arrive from another process or the command line: a non-empty list, each of a known kind and
 * well-formed (built-in domains with a positive per-domain count, a file path, a text, token ids).
 */
import type { PromptSource } from '../activation/job';

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
