/**
 * The tokenizer stored in a GGUF file's metadata (`tokenizer.ggml.*`, gguf-py/gguf/constants.py
 * `Keys.Tokenizer`), rebuilt as the `tokenizer.json` object that @huggingface/tokenizers runs, the
 * way transformers' GGUF converters build a fast tokenizer (src/transformers/integrations/ggml.py
 * `GGUFLlamaConverter`, `GGUFGPTConverter`, `GGUFQwen2Converter`) and with llama.cpp's rules where
 * the two differ (src/llama-vocab.cpp `llama_vocab::impl::load`):
 *
 * - `tokenizer.ggml.model == "gpt2"`: byte-level BPE over the stored vocabulary and merges, with the
 *   pre-tokenizer that `tokenizer.ggml.pre` names (ggufPreTokenizers.ts; llama.cpp's regex per name,
 *   not transformers' one-size GPT-2 regex). A name not in that table still decodes ids, but
 *   encoding text is refused with a message that says to give token ids.
 * - `"llama"` (SentencePiece): BPE with byte fallback over the pieces, merges from the scores
 *   (scoreMerges.ts) unless the file has a merge list, the `▁` prefix (`add_space_prefix`, default
 *   true) and space replacement as the legacy Llama normalizer, and SentencePiece's collapsing of
 *   repeated spaces when `remove_extra_whitespaces` is set.
 *
 * Token types (llama.cpp `LLAMA_TOKEN_TYPE_*`: 1 normal, 2 unknown, 3 control, 4 user-defined,
 * 5 unused, 6 byte): control and unknown tokens are special added tokens (matched whole in text,
 * as in the original tokenizer.json), user-defined ones plain added tokens.
 *
 * BOS: `tokenizer.ggml.add_bos_token` when present, else llama.cpp's default (SentencePiece: yes;
 * BPE: per pre-tokenizer, Llama 3's yes); the id is `tokenizer.ggml.bos_token_id` (SentencePiece's
 * default 1 when absent).
 */
import { basename } from 'node:path';
import { readGgufHeader, type GgufArray, type GgufKv } from '../../io/gguf/ggufHeader';
import { ModelFileError } from '../../io/modelFileError';
import { ggufPreTokenizer, SUPPORTED_PRE_TOKENIZERS } from './ggufPreTokenizers';
import { mergesFromScores } from './scoreMerges';

const TYPE_UNKNOWN = 2;
const TYPE_CONTROL = 3;
const TYPE_USER_DEFINED = 4;

export interface GgufTokenizerSpec {
  /** The tokenizer.json object. */
  json: Record<string, unknown>;
  /** The tokenizer_config.json fields that decide BOS (`bos_token`, `add_bos_token`). */
  config: Record<string, unknown>;
  /** What to name in messages: the GGUF file's tokenizer. */
  source: string;
  /** Set when ids decode but text cannot be encoded faithfully; the message to give instead. */
  refusal: string | null;
}

type Metadata = ReadonlyMap<string, GgufKv>;

function arrayOf(metadata: Metadata, key: string, source: string, itemTypes: readonly string[]): GgufArray | undefined {
  const kv = metadata.get(key);
  if (!kv) return undefined;
  const v = kv.value;
  if (typeof v !== 'object' || v === null || !('itemType' in v) || !itemTypes.includes(v.itemType))
    throw new ModelFileError(`${source}: "${key}" must be an array of ${itemTypes.join(' or ')}`);
  if (!v.items) throw new ModelFileError(`${source}: "${key}" holds ${v.length} items, more than Layer Lens reads`);
  return v;
}

function scalar(metadata: Metadata, key: string): unknown {
  return metadata.get(key)?.value;
}

function tokenId(metadata: Metadata, key: string, source: string, count: number): number | undefined {
  const v = scalar(metadata, key);
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ModelFileError(`${source}: "${key}" is ${String(v)}, not a token id`);
  // llama.cpp ignores an id outside the vocabulary ("bad special token … using default id").
  return n < count ? n : undefined;
}

function flag(metadata: Metadata, key: string): boolean | undefined {
  const v = scalar(metadata, key);
  return typeof v === 'boolean' ? v : undefined;
}

/** `"a b"` → `["a", "b"]`, split at the first space after the first character, as llama.cpp does. */
function splitMerge(m: string, source: string, i: number): [string, string] {
  const at = m.indexOf(' ', 1);
  if (at < 0) throw new ModelFileError(`${source}: merge ${i} ("${m}") is not two tokens separated by a space`);
  return [m.slice(0, at), m.slice(at + 1)];
}

function addedTokens(tokens: readonly string[], types: readonly number[] | undefined): Record<string, unknown>[] {
  if (!types) return [];
  const out: Record<string, unknown>[] = [];
  types.forEach((t, id) => {
    if (t === TYPE_CONTROL || t === TYPE_UNKNOWN || t === TYPE_USER_DEFINED)
      out.push({ id, content: tokens[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: t !== TYPE_USER_DEFINED });
  });
  return out;
}

function bpeModel(tokens: readonly string[], merges: [string, string][], extra: Record<string, unknown>): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  // The first id of a repeated token wins, as in llama.cpp's token_to_id (which refuses duplicates).
  tokens.forEach((t, i) => {
    if (!Object.hasOwn(vocab, t)) vocab[t] = i;
  });
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    ...extra,
    vocab,
    merges,
  };
}

/** The tokenizer.json of a GGUF file's metadata, or null when the file holds no vocabulary. `file` names it in messages. */
export function ggufTokenizerSpec(metadata: Metadata, file: string): GgufTokenizerSpec | null {
  const source = `the tokenizer in ${basename(file)}`;
  const tokensArr = arrayOf(metadata, 'tokenizer.ggml.tokens', source, ['string']);
  if (!tokensArr) return null;
  const tokens = tokensArr.items as string[];
  const n = tokens.length;
  const model = scalar(metadata, 'tokenizer.ggml.model');
  const typesArr = arrayOf(metadata, 'tokenizer.ggml.token_type', source, ['i32', 'u32', 'i8', 'u8', 'i16', 'u16']);
  const types = typesArr?.items as number[] | undefined;
  if (types && types.length < n) throw new ModelFileError(`${source}: "tokenizer.ggml.token_type" has ${types.length} entries for ${n} tokens`);
  const mergesArr = arrayOf(metadata, 'tokenizer.ggml.merges', source, ['string']);
  const storedMerges = mergesArr ? (mergesArr.items as string[]).map((m, i) => splitMerge(m, source, i)) : null;
  let bosId = tokenId(metadata, 'tokenizer.ggml.bos_token_id', source, n);
  const addBosKey = flag(metadata, 'tokenizer.ggml.add_bos_token');
  const added = addedTokens(tokens, types);
  const base = { version: '1.0', truncation: null, padding: null, added_tokens: added, post_processor: null };
  let json: Record<string, unknown>;
  let addBos: boolean;
  let refusal: string | null = null;

  if (model === 'llama') {
    const scoresArr = arrayOf(metadata, 'tokenizer.ggml.scores', source, ['f32', 'i32', 'f64']);
    const scores = scoresArr?.items as number[] | undefined;
    if (!storedMerges && (!scores || scores.length < n))
      throw new ModelFileError(`${source}: a SentencePiece vocabulary needs "tokenizer.ggml.scores" for each of its ${n} tokens (or a merge list)`);
    if (!storedMerges && scores!.some((s) => !Number.isFinite(s)))
      throw new ModelFileError(`${source}: "tokenizer.ggml.scores" holds a value that is not finite`);
    const unkId = tokenId(metadata, 'tokenizer.ggml.unknown_token_id', source, n) ?? (n > 0 ? 0 : undefined);
    bosId ??= n > 1 ? 1 : undefined;
    const prefix = flag(metadata, 'tokenizer.ggml.add_space_prefix') ?? true;
    const collapse = flag(metadata, 'tokenizer.ggml.remove_extra_whitespaces') ?? false;
    const normalizers: Record<string, unknown>[] = [];
    // SentencePiece's remove_extra_whitespaces: no leading or trailing spaces, runs of spaces as one.
    if (collapse)
      normalizers.push({ type: 'Replace', pattern: { Regex: '^ +| +$' }, content: '' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' });
    // LlamaConverter.normalizer (legacy): Prepend("▁") when add_prefix_space, then Replace(" ", "▁").
    if (prefix) normalizers.push({ type: 'Prepend', prepend: '▁' });
    normalizers.push({ type: 'Replace', pattern: { String: ' ' }, content: '▁' });
    const decoders: Record<string, unknown>[] = [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }];
    if (prefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
    json = {
      ...base,
      normalizer: { type: 'Sequence', normalizers },
      pre_tokenizer: null,
      decoder: { type: 'Sequence', decoders },
      model: bpeModel(tokens, storedMerges ?? mergesFromScores(tokens, scores!), {
        unk_token: unkId !== undefined ? tokens[unkId] : null,
        fuse_unk: true,
        byte_fallback: true,
      }),
    };
    addBos = addBosKey ?? true;
  } else {
    const pre = scalar(metadata, 'tokenizer.ggml.pre');
    const preName = typeof pre === 'string' ? pre : '';
    const known = model === 'gpt2' ? ggufPreTokenizer(preName) : undefined;
    if (model !== 'gpt2')
      refusal = `${source} is of type "${typeof model === 'string' ? model : '(none named)'}", which Layer Lens cannot encode text with (it reads "llama" and "gpt2" tokenizers): give the prompt as token ids (--tokens 1,2,3)`;
    else if (!known)
      refusal =
        `${source} uses the pre-tokenizer "${preName || '(none named)'}", which Layer Lens does not know ` +
        `(it knows ${SUPPORTED_PRE_TOKENIZERS.join(', ')}): give the prompt as token ids (--tokens 1,2,3)`;
    if (model === 'gpt2' && !storedMerges) throw new ModelFileError(`${source}: a BPE vocabulary needs "tokenizer.ggml.merges"`);
    const pt = known ?? ggufPreTokenizer('gpt-2')!;
    json = {
      ...base,
      normalizer: null,
      pre_tokenizer: pt.preTokenizer,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: bpeModel(tokens, storedMerges ?? [], { ignore_merges: pt.ignoreMerges }),
    };
    addBos = addBosKey ?? pt.addBos;
  }
  return { json, config: { bos_token: bosId !== undefined ? tokens[bosId] : null, add_bos_token: addBos }, source, refusal };
}

/** Reads a `.gguf` file's header and builds its tokenizer (null when it holds no vocabulary). */
export async function readGgufTokenizerSpec(file: string): Promise<GgufTokenizerSpec | null> {
  const header = await readGgufHeader(file);
  return ggufTokenizerSpec(header.metadata, file);
}
