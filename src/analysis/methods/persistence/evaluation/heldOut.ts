/**
 * The held-out text perplexity is measured on: a user's file (prompts joined by blank lines), literal
 * text, or the built-in prompt sets joined. Read here for both the "Prune and evaluate" job and the
 * pruning curves.
 */
import { builtinPrompts } from '../../../prompts/index';
import { loadPromptFile } from '../../../prompts/loadPromptFile';

export type HeldOutSource = { kind: 'file'; path: string } | { kind: 'text'; text: string } | { kind: 'builtin' };

export async function heldOutText(held: HeldOutSource): Promise<string> {
  if (held.kind === 'file') return (await loadPromptFile(held.path)).map((p) => p.text).join('\n\n');
  if (held.kind === 'text') return held.text;
  return builtinPrompts()
    .map((p) => p.text)
    .join('\n\n');
}

/** How a result names its held-out text: the file's path, 'text' or 'built-in prompts'. */
export function heldOutLabel(held: HeldOutSource): string {
  return held.kind === 'file' ? held.path : held.kind === 'text' ? 'text' : 'built-in prompts';
}

/** Whether a value from another process is a held-out source. */
export function isHeldOutSource(h: unknown): h is HeldOutSource {
  if (typeof h !== 'object' || h === null) return false;
  const o = h as Record<string, unknown>;
  return (o.kind === 'file' && typeof o.path === 'string') || (o.kind === 'text' && typeof o.text === 'string') || o.kind === 'builtin';
}
