// Scored sentence pairs in each accepted layout (plain TSV, GLUE STS-B, SICK, JSONL in both
// namings), read from files, and each kind of malformed row failing with its file and line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStsPairs, parseStsJsonl, parseStsTsv } from '../../../../../../src/analysis/methods/activation/sts/pairs';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'll-sts-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const strip = (ps: Array<{ sentence1: string; sentence2: string; score: number; line: number }>) => ps.map((p) => [p.sentence1, p.sentence2, p.score, p.line]);

test('TSV: three named columns, header-less three columns, CRLF, blank lines', () => {
  const text = 'sentence1\tsentence2\tscore\r\nA man eats.\tA man is eating.\t4.8\r\n\r\nA cat.\tThe stock "market".\t0\r\n';
  assert.deepEqual(strip(parseStsTsv(text, 'f.tsv')), [
    ['A man eats.', 'A man is eating.', 4.8, 2],
    ['A cat.', 'The stock "market".', 0, 4],
  ]);
  // Columns in another order are found by name.
  assert.deepEqual(strip(parseStsTsv('score\tsentence2\tsentence1\n3\tb\ta\n', 'f')), [['a', 'b', 3, 2]]);
  // Unnamed header of three columns: positional; no header at all (first row ends in a number): that row is data.
  assert.deepEqual(strip(parseStsTsv('s1\ts2\tgold\na\tb\t1.5\n', 'f')), [['a', 'b', 1.5, 2]]);
  assert.deepEqual(strip(parseStsTsv('a\tb\t1.5\nc\td\t2\n', 'f')), [
    ['a', 'b', 1.5, 1],
    ['c', 'd', 2, 2],
  ]);
});

test('TSV: the GLUE STS-B and SICK layouts', () => {
  const glue =
    'index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n' +
    '0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane is taking off.\tAn air plane is taking off.\t5.000\n' +
    '1\tmain-captions\tMSRvid\t2012test\t0004\tnone\tnone\tA man is playing a large flute.\tA man is playing a flute.\t3.800\n';
  assert.deepEqual(strip(parseStsTsv(glue, 'dev.tsv')), [
    ['A plane is taking off.', 'An air plane is taking off.', 5, 2],
    ['A man is playing a large flute.', 'A man is playing a flute.', 3.8, 3],
  ]);
  const sick =
    'pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n' +
    '1\tA group of kids is playing in a yard\tA group of boys in a yard is playing\t4.5\tNEUTRAL\n';
  assert.deepEqual(strip(parseStsTsv(sick, 'SICK.txt')), [['A group of kids is playing in a yard', 'A group of boys in a yard is playing', 4.5, 2]]);
});

test('JSONL: STS naming, SICK naming, label, numeric strings', () => {
  const text = [
    '{"sentence1": "a", "sentence2": "b", "score": 2.5}',
    '',
    '{"sentence_A": "c", "sentence_B": "d", "relatedness_score": 1}',
    '{"sentence1": "e", "sentence2": "f", "label": "4.25", "idx": 7}',
  ].join('\n');
  assert.deepEqual(strip(parseStsJsonl(text, 'p.jsonl')), [
    ['a', 'b', 2.5, 1],
    ['c', 'd', 1, 3],
    ['e', 'f', 4.25, 4],
  ]);
});

test('malformed rows name the file and line', () => {
  const tsvErrors: Array<[string, RegExp]> = [
    ['sentence1\tsentence2\tscore\na\tb\t1\nc\td\n', /^Error: f\.tsv:3: expected 3 tab-separated columns as in the header, found 2$/],
    ['sentence1\tsentence2\tscore\na\tb\tfive\n', /^Error: f\.tsv:2: the score "five" is not a number$/],
    ['sentence1\tsentence2\tscore\na\t \t2\n', /^Error: f\.tsv:2: sentence 2 is empty$/],
    ['sentence1\tsentence2\tscore\na\tb\t\n', /^Error: f\.tsv:2: the score "" is not a number$/],
    // The STS-B test split: sentences without scores.
    [
      'index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\n0\tx\ty\tz\t1\tn\tn\ta\tb\n',
      /^Error: f\.tsv:1: the header has no score column/,
    ],
    ['a\tb\tc\td\n', /^Error: f\.tsv:1: the header names no sentence1\/sentence2\/score .* 4 columns, not 3/],
    ['sentence1\tsentence2\tscore\n\n', /^Error: sentence-pair file f\.tsv holds no pairs$/],
  ];
  for (const [text, re] of tsvErrors) assert.throws(() => parseStsTsv(text, 'f.tsv'), re);
  const jsonErrors: Array<[string, RegExp]> = [
    ['{"sentence1": "a", "sentence2": "b", "score": 1}\n{"sentence1": "a"', /^Error: p\.jsonl:2: not valid JSON$/],
    ['["a", "b", 1]', /^Error: p\.jsonl:1: expected an object/],
    ['{"sentence1": "a", "score": 1}', /^Error: p\.jsonl:1: no sentence2 field/],
    ['{"sentence1": "a", "sentence2": 3, "score": 1}', /^Error: p\.jsonl:1: sentence 2 is missing$/],
    ['{"sentence1": "a", "sentence2": "b", "score": null}', /^Error: p\.jsonl:1: the score null is not a number$/],
    ['\n\n', /holds no pairs/],
  ];
  for (const [text, re] of jsonErrors) assert.throws(() => parseStsJsonl(text, 'p.jsonl'), re);
});

test('files: the format follows the extension (or the content), unreadable files say so', async () => {
  const tsv = join(dir, 'pairs.tsv');
  await writeFile(tsv, '\uFEFFsentence1\tsentence2\tscore\na\tb\t3\n');
  assert.deepEqual(strip(await loadStsPairs(tsv)), [['a', 'b', 3, 2]]);
  const jsonl = join(dir, 'pairs.jsonl');
  await writeFile(jsonl, '{"sentence1": "a", "sentence2": "b", "score": 1}\n');
  assert.deepEqual(strip(await loadStsPairs(jsonl)), [['a', 'b', 1, 1]]);
  const txt = join(dir, 'pairs.txt');
  await writeFile(txt, '{"sentence_A": "a", "sentence_B": "b", "relatedness_score": 2}\n');
  assert.deepEqual(strip(await loadStsPairs(txt)), [['a', 'b', 2, 1]]);
  const bad = join(dir, 'bad.tsv');
  await writeFile(bad, 'sentence1\tsentence2\tscore\na\tb\t1\nc\td\tx\n');
  await assert.rejects(loadStsPairs(bad), new RegExp(`^Error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: the score "x" is not a number$`));
  await assert.rejects(loadStsPairs(join(dir, 'missing.tsv')), /cannot read sentence-pair file .*missing\.tsv/);
});
