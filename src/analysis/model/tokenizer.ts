/**
 * Prompt tokenisation for the executor. A model folder's `tokenizer.json` is loaded offline with
 * `@huggingface/tokenizers`; that library ignores `tokenizer_config.json`'s `add_bos_token`, so the
 * BOS decision is made here (HF's fast Llama tokenizers rebuild their post-processor from that flag,
 * which is what we reproduce). A folder whose only tokenizer is SentencePiece's `tokenizer.model`
 * gets sentencePieceTokenizer.ts (tokenizer.json wins when both are there, as in transformers'
 * fast tokenizers). A `.gguf` file's own tokenizer (its `tokenizer.ggml.*` metadata) comes first.
 * Models without a tokenizer take prompts as token ids.
 */
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFileError } from '../io/modelFileError';
import { readJsonFile } from '../io/readBytes';
import { sentencePieceTokenizer } from './sentencePieceTokenizer';
import { readGgufTokenizerSpec } from './gguf/ggufTokenizer';

/** The largest tokenizer.json in common use (Gemma 3, 262k tokens) is ~33 MB; four times that is not one. */
const MAX_TOKENIZER_BYTES = 128 * 1024 * 1024;
const MAX_TOKENIZER_CONFIG_BYTES = 16 * 1024 * 1024;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export interface EncodeOptions {
  /** Overrides the tokenizer's own BOS rule (e.g. persistence analysis wants no BOS). */
  addBos?: boolean;
}

export interface PromptTokenizer {
  /** Where the tokenizer was read from (tokenizer.json or tokenizer.model). */
  source: string;
  vocabSize: number;
  bosId: number | null;
  /** Whether encode() prepends BOS by default. */
  addsBos: boolean;
  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: number[]): string;
  /** The vocabulary string of one id (e.g. 'Ġthe'), or `<id>` if unknown. */
  tokenText(id: number): string;
}

type Json = Record<string, unknown>;

function tokenContent(t: unknown): string | null {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as Json).content === 'string') return (t as Json).content as string;
  return null;
}

/** The folder that holds the model (a `.safetensors` path means its parent folder). */
function modelFolder(modelPath: string): string {
  return existsSync(modelPath) && statSync(modelPath).isDirectory() ? modelPath : dirname(modelPath);
}

/**
 * Loads the tokenizer beside a model (+ optional `tokenizer_config.json`): `tokenizer.json`, else
 * SentencePiece's `tokenizer.model`; null if there is neither.
 */
export async function loadTokenizer(modelPath: string): Promise<PromptTokenizer | null> {
  // A GGUF file carries its own tokenizer in its metadata (gguf/ggufTokenizer.ts).
  if (/\.gguf$/i.test(modelPath) && existsSync(modelPath) && statSync(modelPath).isFile()) {
    const spec = await readGgufTokenizerSpec(modelPath);
    if (spec) {
      const tok = tokenizerFromJson(spec.json, spec.config, spec.source);
      const refusal = spec.refusal;
      return refusal === null
        ? tok
        : {
            ...tok,
            encode: () => {
              throw new Error(refusal);
            },
          };
    }
  }
  const folder = modelFolder(modelPath);
  const tokPath = join(folder, 'tokenizer.json');
  const spPath = join(folder, 'tokenizer.model');
  const hasJson = existsSync(tokPath);
  if (!hasJson && !existsSync(spPath)) return null;
  const tokJson = hasJson ? await readJsonFile(tokPath, tokPath, MAX_TOKENIZER_BYTES) : null;
  if (hasJson && !isObject(tokJson)) throw new ModelFileError(`${tokPath} must be a JSON object describing a tokenizer`, tokPath);
  const cfgPath = join(folder, 'tokenizer_config.json');
  let cfg: Json = {};
  if (existsSync(cfgPath)) {
    const raw = await readJsonFile(cfgPath, cfgPath, MAX_TOKENIZER_CONFIG_BYTES);
    if (!isObject(raw)) throw new ModelFileError(`${cfgPath} must be a JSON object`, cfgPath);
    cfg = raw;
  }
  if (isObject(tokJson)) return tokenizerFromJson(tokJson, cfg, tokPath);
  return sentencePieceTokenizer(spPath, {
    bosToken: tokenContent(cfg.bos_token),
    addBosToken: typeof cfg.add_bos_token === 'boolean' ? cfg.add_bos_token : undefined,
  });
}

export function tokenizerFromJson(tokJson: Json, cfg: Json, source = 'tokenizer.json'): PromptTokenizer {
  if (!isObject(tokJson)) throw new ModelFileError(`${source} must be a JSON object describing a tokenizer`);
  // The library trusts its input: a damaged file can make it throw anything (TypeError included)
  // from construction or from the first encode, so both run here and any failure is the file's.
  let tok: Tokenizer;
  let vocabSize = 0;
  let bosId: number | null = null;
  let postAddsPrefix = false;
  try {
    tok = new Tokenizer(tokJson, cfg);
    for (const id of tok.get_vocab(true).values()) {
      if (!Number.isSafeInteger(id) || id < 0) throw new Error(`the vocabulary holds the id ${JSON.stringify(id)}, which is not a non-negative integer`);
      vocabSize = Math.max(vocabSize, id + 1);
    }
    const bosText = tokenContent(cfg.bos_token);
    bosId = bosText !== null ? (tok.token_to_id(bosText) ?? null) : null;
    if (bosId !== null && (!Number.isSafeInteger(bosId) || bosId < 0))
      throw new Error(`the BOS token ${JSON.stringify(bosText)} has the id ${JSON.stringify(bosId)}, which is not a non-negative integer`);
    // If the config says nothing, the post-processor decides (Llama-2 templates add <s>, Llama-3's does too
    // via its own template, GPT-2's adds nothing): probe it once.
    const probe = 'a';
    const raw = tok.encode(probe, { add_special_tokens: false }).ids;
    const full = tok.encode(probe, { add_special_tokens: true }).ids;
    if (full.length > raw.length && bosId !== null && full[0] === bosId) postAddsPrefix = true;
  } catch (e) {
    // The library interpolates objects as '[object Object]'; say what it is instead.
    const why = (e instanceof Error ? e.message : String(e)).replace(/\[object Object\]/g, 'a JSON object');
    throw new ModelFileError(`cannot load ${source}: ${why}`);
  }
  const addsBos = typeof cfg.add_bos_token === 'boolean' ? cfg.add_bos_token && bosId !== null : postAddsPrefix;

  return {
    source,
    vocabSize,
    bosId,
    addsBos,
    encode(text: string, opts: EncodeOptions = {}): number[] {
      const ids = tok.encode(text, { add_special_tokens: false }).ids;
      // The library hands back whatever the vocabulary held: a damaged one yields ids that are
      // arrays or strings, which would index embeddings with garbage.
      const bad = ids.findIndex((id: number) => !Number.isSafeInteger(id) || id < 0);
      if (bad >= 0)
        throw new ModelFileError(
          `${source}: encoding gave the token id ${String(ids[bad])}, which is not a non-negative integer; the vocabulary in the file is damaged`,
        );
      const wantBos = opts.addBos ?? addsBos;
      if (wantBos) {
        if (bosId === null) throw new Error(`${source}: a BOS token was requested but tokenizer_config.json names none`);
        if (ids[0] !== bosId) ids.unshift(bosId);
      }
      return ids;
    },
    decode(ids: number[]): string {
      return tok.decode(ids, { skip_special_tokens: false });
    },
    tokenText(id: number): string {
      return tok.id_to_token(id) ?? `<${id}>`;
    },
  };
}

/**
 * Parses a token-id prompt: integers separated by commas and/or whitespace ("1, 2 3").
 * With `vocabSize`, every id must lie in 0..vocabSize-1.
 */
export function parseTokenIds(text: string, vocabSize?: number): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error('the token list is empty: give ids like "1,2,3"');
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`"${p}" is not a token id (non-negative integer)`);
    const id = Number(p);
    if (vocabSize !== undefined && id >= vocabSize) {
      throw new Error(`token id ${id} is outside the vocabulary (0..${vocabSize - 1})`);
    }
    return id;
  });
}
