/**
 * Multiple-choice items for the log-likelihood accuracy of a pruned model, read from JSONL in the
 * shapes lm-evaluation-harness's tasks use (github.com/EleutherAI/lm-evaluation-harness):
 *
 * - HellaSwag: `{"ctx": …, "endings": [...], "label": k}`, or the dataset's raw row with
 *   `activity_label`, `ctx_a`, `ctx_b`. As `process_docs` in lm_eval/tasks/hellaswag/utils.py, the
 *   query is preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()) when those fields
 *   are there (preprocess(ctx) otherwise), each choice is preprocess(ending), and the gold is
 *   int(label). preprocess: strip, " [title]" → ". ", drop "[…]" spans, "  " → " ".
 * - The generic multiple-choice doc: `{"query" or "context": …, "choices": [...], "gold": k}`,
 *   used as is.
 */
import { readFile } from 'node:fs/promises';

export interface ChoiceItem {
  /** The context the choices continue (lm-eval's doc_to_text). */
  context: string;
  /** The candidate continuations, without the space lm-eval puts before each (target_delimiter). */
  choices: string[];
  gold: number;
}

/** lm-eval's HellaSwag `preprocess` (lm_eval/tasks/hellaswag/utils.py). */
export function hellaswagPreprocess(text: string): string {
  return text
    .trim()
    .replaceAll(' [title]', '. ')
    .replace(/\[.*?\]/g, '')
    .replaceAll('  ', ' ');
}

/** Python's str.capitalize(): the first character upper case, the rest lower case. */
function capitalize(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1).toLowerCase();
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length >= 2 && v.every((s) => typeof s === 'string');
}

function goldIndex(v: unknown, count: number): number | null {
  const k = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < count ? k : null;
}

/** One JSONL row as an item; `where` names the file and line in errors. */
export function choiceItem(row: unknown, where: string): ChoiceItem {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error(`${where}: expected a JSON object`);
  const o = row as Record<string, unknown>;
  if ('endings' in o) {
    if (!isStringList(o.endings)) throw new Error(`${where}: "endings" must be a list of at least two strings`);
    let context: string;
    if (typeof o.ctx_a === 'string' && typeof o.ctx_b === 'string' && typeof o.activity_label === 'string') {
      context = hellaswagPreprocess(`${o.activity_label}: ${o.ctx_a} ${capitalize(o.ctx_b)}`);
    } else if (typeof o.ctx === 'string') context = hellaswagPreprocess(o.ctx);
    else throw new Error(`${where}: a HellaSwag item needs "ctx" (or "activity_label", "ctx_a" and "ctx_b")`);
    const gold = goldIndex(o.label, o.endings.length);
    if (gold === null) throw new Error(`${where}: "label" must be an index into the ${o.endings.length} endings, got ${JSON.stringify(o.label)}`);
    return { context, choices: o.endings.map(hellaswagPreprocess), gold };
  }
  if ('choices' in o) {
    const context = typeof o.query === 'string' ? o.query : typeof o.context === 'string' ? o.context : null;
    if (context === null) throw new Error(`${where}: an item with "choices" needs a "query" or "context" string`);
    if (!isStringList(o.choices)) throw new Error(`${where}: "choices" must be a list of at least two strings`);
    const gold = goldIndex(o.gold, o.choices.length);
    if (gold === null) throw new Error(`${where}: "gold" must be an index into the ${o.choices.length} choices, got ${JSON.stringify(o.gold)}`);
    return { context, choices: [...o.choices], gold };
  }
  throw new Error(`${where}: expected {"ctx", "endings", "label"} or {"query"/"context", "choices", "gold"}`);
}

/** Items of a JSONL text (blank lines skipped); `source` names the file in errors. */
export function parseChoicesJsonl(text: string, source: string): ChoiceItem[] {
  const items: ChoiceItem[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new Error(`${source} line ${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    items.push(choiceItem(row, `${source} line ${i + 1}`));
  });
  if (items.length === 0) throw new Error(`${source} holds no multiple-choice item`);
  return items;
}

export async function loadChoicesFile(path: string): Promise<ChoiceItem[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the multiple-choice file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseChoicesJsonl(text, path);
}
