/**
 * Prompt tokenisation for the executor. A model folder's `tokenizer.json` is loaded offline with
 * `@huggingface/tokenizers`; that library ignores `tokenizer_config.json`'s `add_bos_token`, so the
 * BOS decision is made here (HF's fast Llama tokenizers rebuild their post-processor from that flag,
 * which is what we reproduce). Models without a tokenizer take prompts as token ids.
 */
import { readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

export interface EncodeOptions {
  /** Overrides the tokenizer's own BOS rule (e.g. persistence analysis wants no BOS). */
  addBos?: boolean;
}

export interface PromptTokenizer {
  /** Where tokenizer.json was read from. */
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

/** Loads `tokenizer.json` (+ optional `tokenizer_config.json`) beside a model, or returns null if there is none. */
export async function loadTokenizer(modelPath: string): Promise<PromptTokenizer | null> {
  const folder = modelFolder(modelPath);
  const tokPath = join(folder, 'tokenizer.json');
  if (!existsSync(tokPath)) return null;
  let tokJson: Json;
  try {
    tokJson = JSON.parse(await readFile(tokPath, 'utf8')) as Json;
  } catch (e) {
    throw new Error(`${tokPath} is not valid JSON: ${(e as Error).message}`);
  }
  const cfgPath = join(folder, 'tokenizer_config.json');
  let cfg: Json = {};
  if (existsSync(cfgPath)) {
    try {
      cfg = JSON.parse(await readFile(cfgPath, 'utf8')) as Json;
    } catch (e) {
      throw new Error(`${cfgPath} is not valid JSON: ${(e as Error).message}`);
    }
  }
  return tokenizerFromJson(tokJson, cfg, tokPath);
}

export function tokenizerFromJson(tokJson: Json, cfg: Json, source = 'tokenizer.json'): PromptTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokJson, cfg);
  } catch (e) {
    throw new Error(`cannot load ${source}: ${(e as Error).message}`);
  }
  const vocab = tok.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  const bosText = tokenContent(cfg.bos_token);
  const bosId = bosText !== null ? (tok.token_to_id(bosText) ?? null) : null;
  // If the config says nothing, the post-processor decides (Llama-2 templates add <s>, Llama-3's does too
  // via its own template, GPT-2's adds nothing): probe it once.
  let postAddsPrefix = false;
  const probe = 'a';
  const raw = tok.encode(probe, { add_special_tokens: false }).ids;
  const full = tok.encode(probe, { add_special_tokens: true }).ids;
  if (full.length > raw.length && bosId !== null && full[0] === bosId) postAddsPrefix = true;
  const addsBos = typeof cfg.add_bos_token === 'boolean' ? cfg.add_bos_token && bosId !== null : postAddsPrefix;

  return {
    source,
    vocabSize,
    bosId,
    addsBos,
    encode(text: string, opts: EncodeOptions = {}): number[] {
      const ids = tok.encode(text, { add_special_tokens: false }).ids;
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
