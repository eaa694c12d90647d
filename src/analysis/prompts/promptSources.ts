/**
 * Where an analysis's prompts come from (built-in domain sets, a user file, editor text, token
 * ids) and how they are gathered into one list. Shared by every job that runs prompts through
 * the executor (activation, persistence), so every source behaves the same everywhere.
 */
import { builtinPrompts, type Prompt } from './index';
import { loadPromptFile } from './loadPromptFile';

export type PromptSource =
  | { kind: 'builtin'; domains?: string[]; perDomain?: number }
  | { kind: 'file'; path: string }
  | { kind: 'text'; text: string; domain?: string }
  | { kind: 'tokens'; ids: number[][]; domain?: string };

/** A prompt as text (to be tokenized) or already as token ids. */
export type RawPrompt = Prompt | { domain: string; ids: number[] };

export async function gatherPrompts(sources: PromptSource[]): Promise<RawPrompt[]> {
  const out: RawPrompt[] = [];
  for (const s of sources) {
    switch (s.kind) {
      case 'builtin':
        out.push(...builtinPrompts(s.domains, s.perDomain));
        break;
      case 'file':
        out.push(...(await loadPromptFile(s.path)));
        break;
      case 'text':
        if (s.text.trim().length === 0) throw new Error('the selected text is empty');
        out.push({ domain: s.domain ?? 'selection', text: s.text });
        break;
      case 'tokens':
        for (const ids of s.ids) out.push({ domain: s.domain ?? 'tokens', ids });
        break;
    }
  }
  if (out.length === 0) throw new Error('no prompts to analyse');
  return out;
}
