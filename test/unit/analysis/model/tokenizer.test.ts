import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer, parseTokenIds, tokenizerFromJson } from '../../../../src/analysis/model/tokenizer';
import { REPO_ROOT } from '../../../paths';

const sampleModel = join(REPO_ROOT, 'media/sample-model');

test('the sample model tokenizer maps text to its UTF-8 bytes after <s> (ids computed by hand)', async () => {
  const tok = await loadTokenizer(sampleModel);
  assert.ok(tok);
  assert.equal(tok.vocabSize, 259);
  assert.equal(tok.bosId, 256);
  assert.equal(tok.addsBos, true);
  // H=72 e=101 l=108 o=111 ,=44 space=32 w=119 ö=0xC3 0xB6 r=114 d=100 !=33
  assert.deepEqual(tok.encode('Hello, wörld!'), [256, 72, 101, 108, 108, 111, 44, 32, 119, 195, 182, 114, 108, 100, 33]);
  assert.deepEqual(tok.encode('a\n b', { addBos: false }), [97, 10, 32, 98]);
  // € is E2 82 AC; special tokens written in the text are recognised as themselves.
  assert.deepEqual(tok.encode('€</s>', { addBos: false }), [226, 130, 172, 257]);
  assert.equal(tok.decode([256, 72, 105]), '<s>Hi');
  assert.equal(tok.tokenText(32), 'Ġ');
});

// A BPE vocabulary with merges, to check that merges apply in rank order: hand-derived ids.
function tinyBpe(addBosInTemplate: boolean) {
  const vocab: Record<string, number> = { '<s>': 0, a: 1, b: 2, c: 3, ab: 4, abc: 5, Ġ: 6, Ġa: 7 };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 0, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: addBosInTemplate
      ? {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ Sequence: { id: 'A', type_id: 0 } }],
          special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] } },
        }
      : null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: ['a b', 'ab c', 'Ġ a'],
    },
  };
}

// " ab" is Ġ,a,b: merge 'a b' (rank 0) wins over 'Ġ a' (rank 2), leaving Ġ + ab.
test('BPE merges apply in rank order: "abc ab" → abc, Ġ, ab', () => {
  const tok = tokenizerFromJson(tinyBpe(false), { bos_token: '<s>', add_bos_token: false });
  assert.deepEqual(tok.encode('abc ab'), [5, 6, 4]);
  assert.deepEqual(tok.encode(' a'), [7]);
  assert.deepEqual(tok.encode('cab'), [3, 4]);
});

test('BOS: tokenizer_config add_bos_token wins; without it the post-processor template decides', () => {
  const withTemplate = tokenizerFromJson(tinyBpe(true), { bos_token: '<s>' });
  assert.equal(withTemplate.addsBos, true);
  assert.deepEqual(withTemplate.encode('ab'), [0, 4]);
  const disabled = tokenizerFromJson(tinyBpe(true), { bos_token: { content: '<s>' }, add_bos_token: false });
  assert.deepEqual(disabled.encode('ab'), [4]);
  const plain = tokenizerFromJson(tinyBpe(false), { bos_token: '<s>' });
  assert.equal(plain.addsBos, false);
  assert.deepEqual(plain.encode('ab', { addBos: true }), [0, 4]);
  const noBos = tokenizerFromJson(tinyBpe(false), {});
  assert.throws(() => noBos.encode('ab', { addBos: true }), /BOS/);
});

test('a folder without tokenizer.json has no tokenizer; a broken one is reported by path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'll-tok-'));
  try {
    assert.equal(await loadTokenizer(dir), null);
    writeFileSync(join(dir, 'tokenizer.json'), '{ not json');
    await assert.rejects(loadTokenizer(join(dir, 'model.safetensors')), /tokenizer\.json is not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('token-id prompts parse commas and spaces and check the vocabulary', () => {
  assert.deepEqual(parseTokenIds('1,2, 3  4\n5'), [1, 2, 3, 4, 5]);
  assert.throws(() => parseTokenIds('1,x'), /"x" is not a token id/);
  assert.throws(() => parseTokenIds('1,512', 512), /outside the vocabulary \(0\.\.511\)/);
  assert.throws(() => parseTokenIds(' , '), /empty/);
});
