/**
 * Prompt tokenisation from a SentencePiece `tokenizer.model` (models that ship no tokenizer.json).
 *
 * Encoding and decoding run Google's own C++ SentencePiece, compiled to WebAssembly by the npm
 * package @agnai/sentencepiece-js (offline, in-process, no native build): normalisation with the
 * model's precompiled charsmap, unigram Viterbi, BPE merges and byte fallback are the reference
 * implementation's, so ids equal the Python library's (test/oracles/sentencepiece_ids.py). That
 * binding exposes no vocabulary accessors, so the piece table and the special ids come from
 * sentencePieceProto.ts.
 *
 * BOS follows Hugging Face's slow SentencePiece tokenizers (transformers LlamaTokenizer,
 * tokenization_llama.py: `_tokenize` is `sp_model.encode(text)` in legacy mode, and
 * `build_inputs_with_special_tokens` prepends BOS when `add_bos_token`, default True):
 * tokenizer_config.json's `add_bos_token` when it says, else BOS whenever the model has one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentencePieceProcessor } from '@agnai/sentencepiece-js';
import { LfsPointerError, parseLfsPointer } from '../io/lfsPointer';
import { ModelFileError } from '../io/modelFileError';
import { openRegularFile, readExactly } from '../io/readBytes';
import { readSentencePieceVocab } from './sentencePieceProto';
import type { EncodeOptions, PromptTokenizer } from './tokenizer';

/** Gemma 3's tokenizer.model (262k pieces) is under 5 MB. */
const MAX_SENTENCEPIECE_BYTES = 64 * 1024 * 1024;

export interface SentencePieceSpecials {
  /** tokenizer_config.json's `bos_token` text, or null to use the model's own bos_id. */
  bosToken: string | null;
  /** tokenizer_config.json's `add_bos_token`, when it is a boolean. */
  addBosToken?: boolean;
}

/** The file's bytes, read as every model file is (regular files only, size-bounded, LFS pointers named). */
async function readModelBytes(path: string): Promise<Uint8Array> {
  const { fh, size } = await openRegularFile(path);
  try {
    if (size > MAX_SENTENCEPIECE_BYTES) throw new ModelFileError(`${path} is ${size} bytes, too large to be a SentencePiece model`, path);
    const bytes = new Uint8Array(size);
    await readExactly(fh, bytes, 0, path);
    const pointer = parseLfsPointer(bytes);
    if (pointer) throw new LfsPointerError(path, pointer, 'the file');
    return bytes;
  } finally {
    await fh.close();
  }
}

/**
 * The WebAssembly processor loaded with exactly the bytes parsed above: the binding loads from a
 * path, so they go through a private temporary copy rather than a second read of the model folder.
 */
async function loadProcessor(path: string, bytes: Uint8Array): Promise<SentencePieceProcessor> {
  const dir = await mkdtemp(join(tmpdir(), 'layer-lens-spm-'));
  const sp = new SentencePieceProcessor();
  try {
    const copy = join(dir, 'tokenizer.model');
    await writeFile(copy, bytes);
    await sp.load(copy);
    const status = sp.processor.status();
    const said = status.ToString();
    status.delete();
    if (said !== 'OK') throw new Error(said);
  } catch (e) {
    throw new ModelFileError(`cannot load ${path}: SentencePiece says ${e instanceof Error ? e.message : String(e)}`, path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return sp;
}

export async function sentencePieceTokenizer(path: string, specials: SentencePieceSpecials): Promise<PromptTokenizer> {
  const bytes = await readModelBytes(path);
  let vocab;
  try {
    vocab = readSentencePieceVocab(bytes, path);
  } catch (e) {
    throw new ModelFileError(`cannot load ${e instanceof Error ? e.message : String(e)}`, path);
  }
  const sp = await loadProcessor(path, bytes);
  const n = vocab.pieces.length;
  const idOf = new Map<string, number>();
  vocab.pieces.forEach((p, i) => idOf.has(p) || idOf.set(p, i));
  const bosId = specials.bosToken !== null ? (idOf.get(specials.bosToken) ?? null) : vocab.bosId >= 0 ? vocab.bosId : null;
  const addsBos = (specials.addBosToken ?? true) && bosId !== null;
  const tokenText = (id: number): string => vocab.pieces[id] ?? `<${id}>`;
  const checked = (ids: number[]): number[] => {
    const bad = ids.findIndex((id) => !Number.isSafeInteger(id) || id < 0 || id >= n);
    if (bad >= 0) throw new ModelFileError(`${path}: encoding gave the token id ${String(ids[bad])}, outside its ${n} pieces`, path);
    return ids;
  };

  return {
    source: path,
    vocabSize: n,
    bosId,
    addsBos,
    encode(text: string, opts: EncodeOptions = {}): number[] {
      const ids = checked(sp.encodeIds(text));
      if (opts.addBos ?? addsBos) {
        if (bosId === null) throw new Error(`${path}: a BOS token was requested but the model has none`);
        if (ids[0] !== bosId) ids.unshift(bosId);
      }
      return ids;
    },
    decode(ids: number[]): string {
      // The C++ decoder aborts on an unknown id: out-of-range ids are shown as `<id>` instead.
      return ids.every((id) => Number.isSafeInteger(id) && id >= 0 && id < n) ? sp.decodeIds(ids) : ids.map(tokenText).join('');
    },
    tokenText,
  };
}
