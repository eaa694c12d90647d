// SentencePiece `tokenizer.model` prompts: two real models trained by Google's SentencePiece
// (unigram with nmt_nfkc normalisation, BPE with byte fallback) and the ids, decodings and pieces
// the Python library gives for them (test/oracles/sentencepiece_ids.py → sentencepiece_ids.json),
// loaded through loadTokenizer as a model folder holds them; the tokenizer.json-first rule, the
// tokenizer_config.json BOS rules, damaged files, and a forward pass of a text prompt.
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '../../../../src/analysis/model/tokenizer';
import { readSentencePieceVocab } from '../../../../src/analysis/model/sentencePieceProto';
import { ModelFileError } from '../../../../src/analysis/io/modelFileError';
import { openModel } from '../../../../src/analysis/model/openModel';
import { forwardReport } from '../../../../src/analysis/model/executor/forwardReport';
import { REPO_ROOT } from '../../../paths';

interface OracleModel {
  file: string;
  pieces: number;
  unkId: number;
  bosId: number;
  eosId: number;
  idToPiece: Record<string, string>;
  cases: Array<{ text: string; ids: number[]; pieces: string[]; decoded: string }>;
}
const oracle: { models: Record<string, OracleModel> } = JSON.parse(readFileSync(join(REPO_ROOT, 'test/oracles/sentencepiece_ids.json'), 'utf8'));
const modelFile = (m: OracleModel) => join(REPO_ROOT, 'test/oracles', m.file);

/** A temporary folder holding the given files (name → source path or contents). */
function folder(files: Record<string, string | { text: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'll-spm-'));
  for (const [name, src] of Object.entries(files)) {
    if (typeof src === 'string') copyFileSync(src, join(dir, name));
    else writeFileSync(join(dir, name), src.text);
  }
  return dir;
}

for (const [name, m] of Object.entries(oracle.models)) {
  test(`${name} tokenizer.model: ids, decodings and pieces equal the Python sentencepiece library's`, async () => {
    const dir = folder({ 'tokenizer.model': modelFile(m) });
    try {
      const tok = await loadTokenizer(join(dir, 'model.safetensors'));
      assert.ok(tok);
      assert.equal(tok.source, join(dir, 'tokenizer.model'));
      assert.equal(tok.vocabSize, m.pieces);
      assert.equal(tok.bosId, m.bosId);
      assert.equal(tok.addsBos, true, 'no tokenizer_config.json: BOS as LlamaTokenizer adds it');
      assert.ok(
        m.cases.some((c) => c.ids.includes(m.unkId) || c.ids.length > 20),
        'the samples exercise unknown characters or long inputs',
      );
      for (const c of m.cases) {
        assert.deepEqual(tok.encode(c.text, { addBos: false }), c.ids, JSON.stringify(c.text));
        assert.deepEqual(tok.encode(c.text), [m.bosId, ...c.ids], `${JSON.stringify(c.text)} with BOS`);
        assert.equal(tok.decode(c.ids), c.decoded, `decode ${JSON.stringify(c.text)}`);
        // encode(out_type=str) keeps an unknown character's own text where its id is <unk>.
        assert.deepEqual(
          c.ids.map((id): string => tok.tokenText(id)),
          c.pieces.map((p, i) => (c.ids[i] === m.unkId ? m.idToPiece[String(m.unkId)] : p)),
          `pieces of ${JSON.stringify(c.text)}`,
        );
      }
      for (const [id, piece] of Object.entries(m.idToPiece)) assert.equal(tok.tokenText(Number(id)), piece, `piece ${id}`);
      assert.equal(tok.tokenText(m.pieces), `<${m.pieces}>`);
      assert.equal(tok.decode([m.pieces]), `<${m.pieces}>`, 'an id outside the vocabulary is shown, not passed to the decoder');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the two oracle models really differ (a test that passes with one model for both would be void)', () => {
  const [a, b] = Object.values(oracle.models);
  assert.notDeepEqual(
    a.cases.map((c) => c.ids),
    b.cases.map((c) => c.ids),
  );
});

test('tokenizer.json wins over tokenizer.model; tokenizer_config.json sets the BOS rule and token', async () => {
  const bpe = oracle.models.bpe;
  const both = folder({ 'tokenizer.model': modelFile(bpe), 'tokenizer.json': join(REPO_ROOT, 'media/sample-model/tokenizer.json') });
  const noBos = folder({ 'tokenizer.model': modelFile(bpe), 'tokenizer_config.json': { text: JSON.stringify({ add_bos_token: false }) } });
  const eosAsBos = folder({ 'tokenizer.model': modelFile(bpe), 'tokenizer_config.json': { text: JSON.stringify({ bos_token: { content: '</s>' } }) } });
  try {
    assert.equal((await loadTokenizer(both))!.source, join(both, 'tokenizer.json'));
    const t1 = (await loadTokenizer(noBos))!;
    assert.equal(t1.addsBos, false);
    assert.deepEqual(t1.encode('x'), bpe.cases.find((c) => c.text === 'x')!.ids);
    const t2 = (await loadTokenizer(eosAsBos))!;
    assert.equal(t2.bosId, bpe.eosId);
    assert.equal(t2.encode('x')[0], bpe.eosId);
  } finally {
    for (const d of [both, noBos, eosAsBos]) rmSync(d, { recursive: true, force: true });
  }
});

test('a damaged tokenizer.model is an error naming the file, never a partial vocabulary', async () => {
  const bytes = new Uint8Array(readFileSync(modelFile(oracle.models.bpe)));
  // A protobuf with one piece and nothing else: its default bos_id 1 is outside the vocabulary.
  const onePiece = Uint8Array.from([0x0a, 0x03, 0x0a, 0x01, 0x61]);
  // The same with trainer_spec { bos_id: -1, eos_id: -1 } (int32 −1 is a 10-byte varint): it parses,
  // but SentencePiece itself refuses a model without an <unk> piece.
  const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
  const spec = [0xc8, 0x02, ...minusOne, 0xd0, 0x02, ...minusOne];
  const noUnk = Uint8Array.from([0x0a, 0x03, 0x0a, 0x01, 0x61, 0x12, spec.length, ...spec]);
  const cases: Array<[string, Uint8Array | string, RegExp]> = [
    ['text', 'not a model at all\n', /tokenizer\.model/],
    ['truncated', bytes.subarray(0, Math.floor(bytes.length / 2)), /tokenizer\.model: .*(ends inside|claims \d+ bytes)/],
    ['one piece', onePiece, /tokenizer\.model: bosId 1 is outside the 1 pieces/],
    ['no <unk>', noUnk, /tokenizer\.model: SentencePiece says .*unk/i],
    [
      'Git LFS pointer',
      `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize 499723\n`,
      /tokenizer\.model is a Git LFS pointer, not the file .*git lfs pull/,
    ],
  ];
  for (const [what, content, re] of cases) {
    const dir = mkdtempSync(join(tmpdir(), 'll-spm-bad-'));
    try {
      writeFileSync(join(dir, 'tokenizer.model'), content);
      await assert.rejects(loadTokenizer(dir), (e: Error) => {
        assert.match(e.message, re, what);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a tokenizer.model that is not a regular file is refused before any read', { skip: process.platform === 'win32' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'll-spm-fifo-'));
  try {
    assert.equal(spawnSync('mkfifo', [join(dir, 'tokenizer.model')]).status, 0);
    await assert.rejects(loadTokenizer(dir), /tokenizer\.model is a named pipe/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every truncation of a real model either parses to a prefix of its pieces or fails with a located error', () => {
  const bytes = readFileSync(modelFile(oracle.models.bpe));
  const full = readSentencePieceVocab(bytes);
  for (let n = 0; n < bytes.length; n += 7) {
    try {
      const v = readSentencePieceVocab(bytes.subarray(0, n), 'cut');
      assert.deepEqual(v.pieces, full.pieces.slice(0, v.pieces.length), `cut at ${n}`);
    } catch (e) {
      assert.ok(e instanceof Error && /^cut/.test(e.message), `cut at ${n}: ${String(e)}`);
    }
  }
});

test('300 byte-mutated models: each loads and encodes within its vocabulary, or is refused as a ModelFileError', async () => {
  const base = new Uint8Array(readFileSync(modelFile(oracle.models.bpe)));
  let seed = 20240611;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const dir = mkdtempSync(join(tmpdir(), 'll-spm-mut-'));
  const seen = { loaded: 0, refused: 0 };
  try {
    for (let i = 0; i < 300; i++) {
      const b = base.slice();
      for (let k = 1 + Math.floor(rnd() * 8); k > 0; k--) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      writeFileSync(join(dir, 'tokenizer.model'), b);
      try {
        const tok = (await loadTokenizer(dir))!;
        const ids = tok.encode('Once upon a time, Café 2026 ☃');
        assert.ok(
          ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize),
          `case ${i}`,
        );
        assert.equal(typeof tok.decode(ids), 'string');
        seen.loaded++;
      } catch (e) {
        assert.ok(e instanceof ModelFileError, `case ${i}: ${String(e)}`);
        seen.refused++;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(seen.loaded > 0 && seen.refused > 0, JSON.stringify(seen));
});

test('a text prompt runs through a model whose only tokenizer is tokenizer.model', async () => {
  const bpe = oracle.models.bpe;
  const stories = join(REPO_ROOT, 'test/fixtures/models/stories260K');
  const dir = folder({
    'model.safetensors': join(stories, 'model.safetensors'),
    'config.json': join(stories, 'config.json'),
    'tokenizer.model': modelFile(bpe),
  });
  try {
    const c = bpe.cases.find((x) => x.text === 'Once upon a time')!;
    const r = await forwardReport(await openModel(dir), { text: c.text, top: 3 });
    assert.deepEqual(
      r.tokens.map((t) => t.id),
      [bpe.bosId, ...c.ids],
    );
    // Shown as decoded text: '▁On' reads 'On', the BOS control piece reads as nothing and falls back to '<s>'.
    assert.equal(r.tokens[0].text, '<s>');
    assert.equal(r.tokens[1].text, c.pieces[0].replace(/^▁/, ''));
    assert.equal(r.top.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
