/**
 * Sentence pairs with a human similarity score, in the layouts semantic-textual-similarity sets
 * ship in:
 * - TSV with a header row, tab-separated: columns named `sentence1`, `sentence2`, `score` anywhere
 *   in the row (GLUE STS-B's train/dev.tsv: index, genre, …, sentence1, sentence2, score), or SICK's
 *   `sentence_A`, `sentence_B`, `relatedness_score` (SICK.txt); a three-column file whose header
 *   names none of them is read as sentence 1, sentence 2, score. Cells are not quoted (GLUE and
 *   SICK write quotes as plain characters), so a sentence cannot hold a tab.
 * - JSONL: one object per line with `sentence1`, `sentence2`, `score` (or SICK's `sentence_A`,
 *   `sentence_B`, `relatedness_score`; `label` is accepted for the score, as Hugging Face's
 *   glue/stsb rows have it).
 * Scores are any finite numbers (STS-B: 0–5, SICK: 1–5). Every malformed row is an error naming
 * the file and line.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

export interface StsPair {
  sentence1: string;
  sentence2: string;
  score: number;
  /** 1-based line of the file it came from (0 for built-in pairs). */
  line: number;
}

const SENTENCE1 = ['sentence1', 'sentence_a'];
const SENTENCE2 = ['sentence2', 'sentence_b'];
const SCORE = ['score', 'relatedness_score', 'label'];

export async function loadStsPairs(path: string): Promise<StsPair[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read sentence-pair file ${path}: ${(e as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  const jsonl = ext === '.jsonl' || ext === '.json' || (ext !== '.tsv' && /^\s*\{/.test(text.replace(/^\uFEFF/, '')));
  return jsonl ? parseStsJsonl(text, path) : parseStsTsv(text, path);
}

function lines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

function scoreOf(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`${where}: the score ${JSON.stringify(v)} is not a number`);
  return n;
}

function sentenceOf(v: unknown, which: string, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`${where}: ${which} is ${typeof v === 'string' ? 'empty' : 'missing'}`);
  return v;
}

function noPairs(source: string): never {
  throw new Error(`sentence-pair file ${source} holds no pairs`);
}

export function parseStsTsv(text: string, source: string): StsPair[] {
  const rows = lines(text);
  const headerAt = rows.findIndex((r) => r.trim() !== '');
  if (headerAt < 0) noPairs(source);
  const header = rows[headerAt].split('\t').map((c) => c.trim().toLowerCase());
  const find = (names: string[]) => header.findIndex((c) => names.includes(c));
  let cols = [find(SENTENCE1), find(SENTENCE2), find(SCORE)];
  let first = headerAt + 1;
  if (cols.every((c) => c < 0)) {
    if (header.length !== 3) {
      throw new Error(
        `${source}:${headerAt + 1}: the header names no sentence1/sentence2/score (or sentence_A/sentence_B/relatedness_score) columns, and the file has ${header.length} columns, not 3 (sentence 1, sentence 2, score)`,
      );
    }
    cols = [0, 1, 2];
    // A three-column file without a header: its first row already ends in a score.
    if (Number.isFinite(Number(header[2])) && header[2] !== '') first = headerAt;
  } else if (cols.some((c) => c < 0)) {
    const missing = ['sentence1', 'sentence2', 'score'].filter((_, i) => cols[i] < 0);
    throw new Error(`${source}:${headerAt + 1}: the header has no ${missing.join(', ')} column (the test split of STS-B has no scores)`);
  }
  const width = first === headerAt ? 3 : header.length;
  const out: StsPair[] = [];
  for (let i = first; i < rows.length; i++) {
    if (rows[i].trim() === '') continue;
    const where = `${source}:${i + 1}`;
    const cells = rows[i].split('\t');
    if (cells.length !== width) throw new Error(`${where}: expected ${width} tab-separated columns as in the header, found ${cells.length}`);
    out.push({
      sentence1: sentenceOf(cells[cols[0]], 'sentence 1', where),
      sentence2: sentenceOf(cells[cols[1]], 'sentence 2', where),
      score: scoreOf(cells[cols[2]], where),
      line: i + 1,
    });
  }
  if (out.length === 0) noPairs(source);
  return out;
}

export function parseStsJsonl(text: string, source: string): StsPair[] {
  const out: StsPair[] = [];
  lines(text).forEach((row, i) => {
    if (row.trim() === '') return;
    const where = `${source}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(row);
    } catch {
      throw new Error(`${where}: not valid JSON`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: expected an object with sentence1, sentence2 and score`);
    const o = v as Record<string, unknown>;
    const pick = (names: string[]) => names.map((n) => Object.keys(o).find((k) => k.toLowerCase() === n)).find((k) => k !== undefined);
    const [k1, k2, ks] = [pick(SENTENCE1), pick(SENTENCE2), pick(SCORE)];
    if (k1 === undefined || k2 === undefined || ks === undefined) {
      const missing = ['sentence1', 'sentence2', 'score'].filter((_, j) => [k1, k2, ks][j] === undefined);
      throw new Error(`${where}: no ${missing.join(', ')} field (also accepted: sentence_A, sentence_B, relatedness_score)`);
    }
    out.push({
      sentence1: sentenceOf(o[k1], 'sentence 1', where),
      sentence2: sentenceOf(o[k2], 'sentence 2', where),
      score: scoreOf(o[ks], where),
      line: i + 1,
    });
  });
  if (out.length === 0) noPairs(source);
  return out;
}
