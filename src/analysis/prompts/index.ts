/**
 * Prompt sets for the activation analysis: the four built-in domains shipped with Layer Lens, and
 * user files (plain text or JSONL). A prompt carries its domain so that same- and cross-domain
 * pairs can be told apart.
 */
import { PROSE_PROMPTS } from './prose';
import { CODE_PROMPTS } from './code';
import { MATH_PROMPTS } from './math';
import { DIALOGUE_PROMPTS } from './dialogue';

export interface Prompt {
  domain: string;
  text: string;
}

export const BUILTIN_DOMAINS = ['prose', 'code', 'math', 'dialogue'] as const;
export type BuiltinDomain = (typeof BUILTIN_DOMAINS)[number];

const BUILTIN: Record<BuiltinDomain, readonly string[]> = {
  prose: PROSE_PROMPTS,
  code: CODE_PROMPTS,
  math: MATH_PROMPTS,
  dialogue: DIALOGUE_PROMPTS,
};

export function isBuiltinDomain(name: string): name is BuiltinDomain {
  return (BUILTIN_DOMAINS as readonly string[]).includes(name);
}

/**
 * The built-in prompts of the given domains; `perDomain` takes the first n of each (the sets are
 * written in no particular order, so the first n are as good a sample as any and stay stable).
 */
export function builtinPrompts(domains: readonly string[] = BUILTIN_DOMAINS, perDomain?: number): Prompt[] {
  const out: Prompt[] = [];
  for (const d of domains) {
    if (!isBuiltinDomain(d)) throw new Error(`unknown prompt domain "${d}" (built-in: ${BUILTIN_DOMAINS.join(', ')})`);
    const list = perDomain === undefined ? BUILTIN[d] : BUILTIN[d].slice(0, perDomain);
    for (const text of list) out.push({ domain: d, text });
  }
  return out;
}
