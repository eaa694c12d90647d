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

/** o200k (`LLAMA_VOCAB_PRE_TYPE_GPT4O`: gpt-oss, GPT-4o-style vocabularies, Llama 4), the tokenizer.json regex llama.cpp quotes. */
const O200K_REGEX =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Mistral's Tekken (`LLAMA_VOCAB_PRE_TYPE_TEKKEN`: Mistral NeMo, Small 3, Pixtral's text side), the tokenizer.json regex llama.cpp quotes. */
const TEKKEN_REGEX =
  '[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
/** DeepSeek-V3/R1 (`LLAMA_VOCAB_PRE_TYPE_DEEPSEEK3_LLM`): three splits in turn — up to three digits, CJK runs, then words and punctuation. */
const DEEPSEEK3_REGEXES = [
  '\\p{N}{1,3}',
  '[一-龥぀-ゟ゠-ヿ]+',
  '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+',
];
/** DeepSeek Coder (`LLAMA_VOCAB_PRE_TYPE_DEEPSEEK_CODER`). */
const DEEPSEEK_CODER_REGEXES = ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'];

/** Isolated splits by each regex in turn (llama.cpp's `regex_exprs` list, a tokenizer.json Sequence of Splits), then the byte-level mapping. */
function splitsThenBytes(regexes: readonly string[]): Record<string, unknown> {
  return {
    type: 'Sequence',
    pretokenizers: [
      ...regexes.map((regex) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false })),
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
}

function splitThenBytes(regex: string): Record<string, unknown> {
  return splitsThenBytes([regex]);
}

/** GPT-2's tokenizer.json: the byte-level pre-tokenizer with its own regex (`LLAMA_VOCAB_PRE_TYPE_GPT2`). */
const GPT2: GgufPreTokenizer = {
  preTokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  ignoreMerges: false,
  addBos: false,
};
/**
 * StarCoder's family (`LLAMA_VOCAB_PRE_TYPE_STARCODER`, REFACT, COMMAND_R, SMOLLM, CODESHELL, EXAONE,
 * MINERVA): single digits split off (tokenizer.json's `Digits` with individual_digits), then GPT-2's regex.
 */
const DIGITS_THEN_GPT2: GgufPreTokenizer = {
  preTokenizer: {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\p{N}' }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    ],
  },
  ignoreMerges: false,
  addBos: false,
};
const LLAMA3: GgufPreTokenizer = { preTokenizer: splitThenBytes(LLAMA3_REGEX), ignoreMerges: true, addBos: true };
/** dbrx and smaug-bpe share Llama 3's regex without its ignore_merges / add_bos. */
const LLAMA3_REGEX_ONLY: GgufPreTokenizer = { preTokenizer: splitThenBytes(LLAMA3_REGEX), ignoreMerges: false, addBos: false };
const QWEN2: GgufPreTokenizer = { preTokenizer: splitThenBytes(QWEN2_REGEX), ignoreMerges: false, addBos: false };
const O200K: GgufPreTokenizer = { preTokenizer: splitThenBytes(O200K_REGEX), ignoreMerges: false, addBos: false };
const TEKKEN: GgufPreTokenizer = { preTokenizer: splitThenBytes(TEKKEN_REGEX), ignoreMerges: true, addBos: true };
const DEEPSEEK3: GgufPreTokenizer = { preTokenizer: splitsThenBytes(DEEPSEEK3_REGEXES), ignoreMerges: false, addBos: false };
const DEEPSEEK_CODER: GgufPreTokenizer = { preTokenizer: splitsThenBytes(DEEPSEEK_CODER_REGEXES), ignoreMerges: false, addBos: false };

/** `tokenizer.ggml.pre` → pre-tokenizer, as llama_vocab::impl::load maps the names. */
const BY_NAME: Readonly<Record<string, GgufPreTokenizer>> = {
  llama3: LLAMA3,
  'llama-v3': LLAMA3,
  'llama-bpe': LLAMA3,
  falcon3: LLAMA3,
  'falcon-h1': LLAMA3,
  pixtral: LLAMA3,
  'midm-2.0': LLAMA3,
  lfm2: LLAMA3,
  dbrx: LLAMA3_REGEX_ONLY,
  'smaug-bpe': LLAMA3_REGEX_ONLY,
  qwen2: QWEN2,
  'deepseek-r1-qwen': QWEN2,
  kormo: QWEN2,
  megrez: QWEN2,
  stablelm2: QWEN2,
  hunyuan: QWEN2,
  'grok-2': QWEN2,
  'deepseek-v3': DEEPSEEK3,
  'hunyuan-dense': DEEPSEEK3,
  'deepseek-coder': DEEPSEEK_CODER,
  'gpt-4o': O200K,
  llama4: O200K,
  'minimax-m2': O200K,
  tekken: TEKKEN,
  'gpt-2': GPT2,
  'phi-2': GPT2,
  'jina-es': GPT2,
  'jina-de': GPT2,
  'jina-v2-es': GPT2,
  'jina-v2-de': GPT2,
  gigachat: GPT2,
  'a.x-4.0': GPT2,
  mellum: GPT2,
  exaone4: GPT2,
  mpt: GPT2,
  olmo: GPT2,
  jais: GPT2,
  trillion: GPT2,
  'granite-docling': GPT2,
  starcoder: DIGITS_THEN_GPT2,
  refact: DIGITS_THEN_GPT2,
  'command-r': DIGITS_THEN_GPT2,
  smollm: DIGITS_THEN_GPT2,
  codeshell: DIGITS_THEN_GPT2,
  exaone: DIGITS_THEN_GPT2,
  'minerva-7b': DIGITS_THEN_GPT2,
};

export const SUPPORTED_PRE_TOKENIZERS: readonly string[] = Object.keys(BY_NAME);

/** The pre-tokenizer of a `tokenizer.ggml.pre` name, or undefined when Layer Lens does not know it. */
export function ggufPreTokenizer(name: string): GgufPreTokenizer | undefined {
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
}
