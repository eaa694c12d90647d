/**
 * The byte-level BPE pre-tokenizers a GGUF file names in `tokenizer.ggml.pre`, as the
 * `tokenizer.json` pieces of the Hugging Face tokenizers they were converted from. Which names mean
 * which split, and the per-name flags, follow llama.cpp src/llama-vocab.cpp
 * (`llama_vocab::impl::load`: the `tokenizer_pre == …` chain sets `pre_type`, `ignore_merges` and
 * `add_bos`; `llm_tokenizer_bpe`'s constructor gives each `pre_type`'s regex, with the original
 * tokenizer.json regex quoted beside the adapted one, which is the one used here).
 */

export interface GgufPreTokenizer {
  /** The tokenizer.json `pre_tokenizer` object. */
  preTokenizer: Record<string, unknown>;
  /** BPE `ignore_merges`: a whole pre-token found in the vocabulary is one token (Llama 3). */
  ignoreMerges: boolean;
  /** llama.cpp's `add_bos` for this pre-tokenizer when the file has no `tokenizer.ggml.add_bos_token`. */
  addBos: boolean;
}

/** Llama 3's split (`LLAMA_VOCAB_PRE_TYPE_LLAMA3`), as Meta's tokenizer.json writes it. */
const LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's split (`LLAMA_VOCAB_PRE_TYPE_QWEN2`): Llama 3's with single digits. */
const QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function splitThenBytes(regex: string): Record<string, unknown> {
  return {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
}

/** GPT-2's tokenizer.json: the byte-level pre-tokenizer with its own regex (`LLAMA_VOCAB_PRE_TYPE_GPT2`). */
const GPT2: GgufPreTokenizer = {
  preTokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  ignoreMerges: false,
  addBos: false,
};
const LLAMA3: GgufPreTokenizer = { preTokenizer: splitThenBytes(LLAMA3_REGEX), ignoreMerges: true, addBos: true };
/** dbrx and smaug-bpe share Llama 3's regex without its ignore_merges / add_bos. */
const LLAMA3_REGEX_ONLY: GgufPreTokenizer = { preTokenizer: splitThenBytes(LLAMA3_REGEX), ignoreMerges: false, addBos: false };
const QWEN2: GgufPreTokenizer = { preTokenizer: splitThenBytes(QWEN2_REGEX), ignoreMerges: false, addBos: false };

const BY_NAME: Readonly<Record<string, GgufPreTokenizer>> = {
  llama3: LLAMA3,
  'llama-v3': LLAMA3,
  'llama-bpe': LLAMA3,
  falcon3: LLAMA3,
  pixtral: LLAMA3,
  dbrx: LLAMA3_REGEX_ONLY,
  'smaug-bpe': LLAMA3_REGEX_ONLY,
  qwen2: QWEN2,
  'deepseek-r1-qwen': QWEN2,
  stablelm2: QWEN2,
  'gpt-2': GPT2,
  'phi-2': GPT2,
  mpt: GPT2,
  olmo: GPT2,
};

export const SUPPORTED_PRE_TOKENIZERS: readonly string[] = Object.keys(BY_NAME);

/** The pre-tokenizer of a `tokenizer.ggml.pre` name, or undefined when Layer Lens does not know it. */
export function ggufPreTokenizer(name: string): GgufPreTokenizer | undefined {
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
}
