/**
 * How the persistence analysis cuts prompts longer than its token limit, and what its result
 * says about it. A module of its own (no executor behind it), so the extension and the panel can
 * name the choices and the default without loading the job.
 */

/** Which tokens a longer prompt keeps: its first ones (the reference's choice) or its last ones. */
export type PromptKeep = 'first' | 'last';
export const PROMPT_KEEPS: readonly PromptKeep[] = ['first', 'last'];

/**
 * The reference's max_seq_length (`get_text_dataset` in
 * src/representation/rep-extraction/utils/dataset_utils.py of github.com/YuriGardinazzi/conferenceProject).
 */
export const DEFAULT_MAX_TOKENS = 2048;

export interface PromptTruncation {
  keep: PromptKeep;
  /** The tokens asked for (maxTokens) and the model's context; a prompt keeps at most `limit`, the smaller. */
  maxTokens: number;
  context: number;
  limit: number;
  /** The prompts that were longer: index in the prompt set, tokens kept, tokens it had. */
  truncated: Array<{ prompt: number; kept: number; of: number }>;
}

/** One line for the CLI table and the panel: how many prompts were cut, on which side, to how many tokens. */
export function truncationNote(t: PromptTruncation, prompts: number): string {
  const why = t.limit < t.maxTokens ? ` (the model's context; ${t.maxTokens} asked)` : '';
  if (t.truncated.length === 0) return `no prompt longer than ${t.limit} tokens${why}`;
  const longest = Math.max(...t.truncated.map((x) => x.of));
  return `${t.truncated.length} of ${prompts} prompts longer than ${t.limit} tokens${why} keep their ${t.keep} ${t.limit} (the longest had ${longest})`;
}
