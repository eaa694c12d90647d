/**
 * The sample model's tokenizer: byte-level BPE with no merges, so token id = UTF-8 byte value
 * (0..255), plus three special tokens. Written in the Hugging Face `tokenizer.json` format so that
 * the extension loads it exactly as it loads a downloaded model's tokenizer.
 */

/** GPT-2's reversible byte → printable-character table (what the ByteLevel pre-tokenizer emits). */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

export const SPECIAL_TOKENS = { bos: '<s>', eos: '</s>', pad: '<pad>' } as const;
export const BOS_ID = 256;
export const EOS_ID = 257;
export const PAD_ID = 258;
export const BYTE_VOCAB_SIZE = 259;

export function byteLevelTokenizerJson(): Record<string, unknown> {
  const table = bytesToUnicode();
  const vocab: Record<string, number> = {};
  table.forEach((ch, b) => (vocab[ch] = b));
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  vocab[SPECIAL_TOKENS.bos] = BOS_ID;
  vocab[SPECIAL_TOKENS.eos] = EOS_ID;
  vocab[SPECIAL_TOKENS.pad] = PAD_ID;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(BOS_ID, SPECIAL_TOKENS.bos), special(EOS_ID, SPECIAL_TOKENS.eos), special(PAD_ID, SPECIAL_TOKENS.pad)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}

export function byteLevelTokenizerConfig(): Record<string, unknown> {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    add_bos_token: true,
    add_eos_token: false,
    bos_token: SPECIAL_TOKENS.bos,
    eos_token: SPECIAL_TOKENS.eos,
    pad_token: SPECIAL_TOKENS.pad,
    model_max_length: 256,
    clean_up_tokenization_spaces: false,
  };
}
