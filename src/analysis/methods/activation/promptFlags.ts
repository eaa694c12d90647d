/**
 * The prompt flags of the activation commands (`activation`, `activation-prune`): a prompt file,
 * prompts as token ids, built-in domains (all of them when no other prompt is given), and for
 * `activation` one prompt as text. Their definitions for `--help` and their reading into prompt
 * sources, in the order the sources are gathered.
 */
import type { CliOption, CliValues } from '../analysis';
import { numberFlag } from '../common/cliFlags';
import { parseTokenIds } from '../../model/tokenizer';
import { BUILTIN_DOMAINS } from '../../prompts/index';
import type { PromptSource } from '../../prompts/promptSources';

export const PROMPT_FILE_OPTION: CliOption = {
  type: 'string',
  value: 'FILE',
  help: 'prompt file: .jsonl (a string or {text, domain} per line) or text with prompts between blank lines',
};

export const TOKEN_PROMPTS_OPTION: CliOption = { type: 'string', value: 'IDS', help: 'prompts as token ids: ids comma-separated, prompts separated by ;' };

/**
 * --prompts, --text (where `textFlag`), --tokens, then the built-in domains listed in `domainsFlag`
 * (every built-in domain when no other source is given), `--per-domain` prompts each (default 8).
 */
export function promptSourcesFromFlags(values: CliValues, o: { domainsFlag: string; textFlag?: string }): PromptSource[] {
  const out: PromptSource[] = [];
  if (typeof values.prompts === 'string') out.push({ kind: 'file', path: values.prompts });
  const text = o.textFlag === undefined ? undefined : values[o.textFlag];
  if (typeof text === 'string') out.push({ kind: 'text', text });
  if (typeof values.tokens === 'string') out.push({ kind: 'tokens', ids: values.tokens.split(';').map((s) => parseTokenIds(s)) });
  const perDomain = numberFlag(values, 'per-domain');
  const listed = values[o.domainsFlag];
  if (typeof listed === 'string' || out.length === 0) {
    const domains =
      typeof listed === 'string'
        ? listed
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [...BUILTIN_DOMAINS];
    out.push({ kind: 'builtin', domains, perDomain: perDomain ?? 8 });
  }
  return out;
}
