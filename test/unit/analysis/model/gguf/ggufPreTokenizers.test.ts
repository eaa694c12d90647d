/**
 * The pre-tokenizers a GGUF file names in `tokenizer.ggml.pre`, run through @huggingface/tokenizers
 * as the tokenizer builds them, against splits worked out by hand from each tokenizer.json regex
 * (llama.cpp src/llama-vocab.cpp quotes them): which characters each alternative takes, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tokenizers from '@huggingface/tokenizers';
import { ggufPreTokenizer, SUPPORTED_PRE_TOKENIZERS } from '../../../../../src/analysis/model/gguf/ggufPreTokenizers';

/** GPT-2's bytes_to_unicode (openai/gpt-2 encoder.py): printable Latin-1 bytes map to themselves, the rest to 256 + n. */
function byteLevel(text: string): string {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const map = new Map<number, string>();
  let n = 0;
  for (let b = 0; b < 256; b++) map.set(b, String.fromCodePoint(keep(b) ? b : 256 + n++));
  return Array.from(new TextEncoder().encode(text), (b) => map.get(b)).join('');
}

/** The library's pre-tokenizer classes (exported at run time; its type declarations do not resolve under NodeNext). */
interface PreTokenizer {
  pre_tokenize_text(text: string): string[];
}
const { ByteLevelPreTokenizer, SequencePreTokenizer } = tokenizers as unknown as Record<
  'ByteLevelPreTokenizer' | 'SequencePreTokenizer',
  new (config: unknown) => PreTokenizer
>;

function split(name: string, text: string): string[] {
  const pt = ggufPreTokenizer(name);
  assert.ok(pt, `${name} is known`);
  const cfg = pt.preTokenizer as { type: string };
  const p: PreTokenizer = cfg.type === 'Sequence' ? new SequencePreTokenizer(cfg) : new ByteLevelPreTokenizer(cfg);
  return p.pre_tokenize_text(text);
}

const expectSplit = (name: string, text: string, pieces: string[]) =>
  assert.deepEqual(split(name, text), pieces.map(byteLevel), `${name}: ${JSON.stringify(text)}`);

test('deepseek-v3: up to three digits, CJK runs, a punctuation mark joined to the ASCII word after it', () => {
  expectSplit('deepseek-v3', 'Hello, world! 1234567 中文字 .NET x=foo(bar)', [
    'Hello',
    ',',
    ' world',
    '!',
    ' ',
    '123',
    '456',
    '7',
    ' ',
    '中文字',
    ' .',
    'NET',
    ' x',
    '=foo',
    '(bar',
    ')',
  ]);
  // Kana are a run of their own; a letter after a newline starts a new piece, the newlines stay together.
  expectSplit('deepseek-v3', 'ひらがなabc\n\nDef', ['ひらがな', 'abc', '\n\n', 'Def']);
  assert.equal(ggufPreTokenizer('hunyuan-dense'), ggufPreTokenizer('deepseek-v3'));
});

test("gpt-4o (o200k): case runs, contractions in either case, three-digit groups, '/' kept with punctuation", () => {
  expectSplit('gpt-4o', "I'M HAPPY they're here 12345 a/b\n\n", ["I'M", ' HAPPY', " they're", ' here', ' ', '123', '45', ' a', '/b', '\n\n']);
  // The first alternative takes an uppercase run and then a lowercase run: one piece.
  expectSplit('gpt-4o', 'HTTPServer', ['HTTPServer']);
  assert.equal(ggufPreTokenizer('llama4'), ggufPreTokenizer('gpt-4o'));
});

test('tekken: single digits, no contraction alternatives, ignore_merges and BOS as llama.cpp sets them', () => {
  expectSplit('tekken', "It's 42!", ['It', "'s", ' ', '4', '2', '!']);
  const t = ggufPreTokenizer('tekken')!;
  assert.equal(t.ignoreMerges, true);
  assert.equal(t.addBos, true);
});

test('deepseek-coder: newlines alone, letters and punctuation with one leading space, single digits', () => {
  expectSplit('deepseek-coder', 'def f(x):\n  return 12', ['def', ' f', '(', 'x', '):', '\n', ' ', ' return', ' ', '1', '2']);
});

test('starcoder family: every digit its own piece, then GPT-2 splitting', () => {
  expectSplit('starcoder', 'x = 123 + y', ['x', ' =', ' ', '1', '2', '3', ' +', ' y']);
  for (const n of ['refact', 'command-r', 'smollm', 'codeshell', 'exaone', 'minerva-7b']) assert.equal(ggufPreTokenizer(n), ggufPreTokenizer('starcoder'), n);
});

test('every known name builds a pre-tokenizer that runs', () => {
  for (const name of SUPPORTED_PRE_TOKENIZERS) assert.ok(split(name, 'Hello 123 世界\n').length > 0, name);
  assert.equal(ggufPreTokenizer('no-such-pre'), undefined);
});
