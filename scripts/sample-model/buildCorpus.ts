/**
 * Writes the sample model's training corpus under media/sample-model/corpus/: template-expanded
 * stories, dialogue, arithmetic and code (seeded, so every run writes the same bytes) beside the
 * hand-written essays.txt. All of it is self-written for this project.
 */
import { writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from './rng';
import { generateProse } from './corpusProse';
import { generateDialogue, generateMath, generateCode } from './corpusOther';

export const CORPUS_SEED = 20240611;

export function buildCorpus(dir: string): void {
  const r = mulberry32(CORPUS_SEED);
  writeFileSync(join(dir, 'stories.txt'), generateProse(r, 500));
  writeFileSync(join(dir, 'dialogue.txt'), generateDialogue(r, 260));
  writeFileSync(join(dir, 'math.txt'), generateMath(r, 220));
  writeFileSync(join(dir, 'code.txt'), generateCode(r, 300));
}

/** Every .txt file of the corpus folder, in name order, joined by blank lines. */
export function readCorpus(dir: string): { text: string; files: Array<{ name: string; bytes: number }> } {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort();
  const parts = names.map((n) => readFileSync(join(dir, n), 'utf8'));
  return { text: parts.join('\n\n'), files: names.map((name, i) => ({ name, bytes: Buffer.byteLength(parts[i]) })) };
}
