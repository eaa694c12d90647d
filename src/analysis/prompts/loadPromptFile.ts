/**
 * Reads a user's prompt file.
 * - `.jsonl`: one prompt per line, either a JSON string or an object with `text` (or `prompt`) and an
 *   optional `domain`.
 * - anything else (plain text): prompts separated by blank lines, so a prompt may span several lines
 *   (code). A line `## domain: NAME` sets the domain of the prompts after it; without one the domain
 *   is the file's base name.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Prompt } from './index';

export async function loadPromptFile(path: string): Promise<Prompt[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read prompt file ${path}: ${(e as Error).message}`);
  }
  const fallbackDomain = basename(path, extname(path));
  const prompts = extname(path).toLowerCase() === '.jsonl' ? parseJsonl(text, path, fallbackDomain) : parsePlain(text, fallbackDomain);
  if (prompts.length === 0) throw new Error(`prompt file ${path} holds no prompts`);
  return prompts;
}

export function parseJsonl(text: string, source: string, fallbackDomain: string): Prompt[] {
  const out: Prompt[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`${source}:${i + 1}: not valid JSON`);
    }
    if (typeof v === 'string') {
      out.push({ domain: fallbackDomain, text: v });
      return;
    }
    const o = v as Record<string, unknown> | null;
    const t = o && typeof o === 'object' ? (o.text ?? o.prompt) : undefined;
    if (typeof t !== 'string' || t.length === 0) {
      throw new Error(`${source}:${i + 1}: expected a string or an object with a "text" field`);
    }
    out.push({ domain: typeof o!.domain === 'string' ? (o!.domain as string) : fallbackDomain, text: t });
  });
  return out;
}

export function parsePlain(text: string, fallbackDomain: string): Prompt[] {
  const out: Prompt[] = [];
  let domain = fallbackDomain;
  let block: string[] = [];
  const flush = () => {
    const t = block.join('\n').trim();
    if (t) out.push({ domain, text: t });
    block = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const m = /^##\s*domain:\s*(.+?)\s*$/.exec(line);
    if (m) {
      flush();
      domain = m[1];
    } else if (line.trim() === '') {
      flush();
    } else {
      block.push(line);
    }
  }
  flush();
  return out;
}
