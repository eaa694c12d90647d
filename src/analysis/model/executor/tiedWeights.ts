/**
 * Which stored tensor the executor reads as the input embeddings and which as lm_head, in every
 * form a checkpoint with tied embeddings takes on disk:
 * - both names stored: each its own (untied, or tied but written twice);
 * - only the embeddings: transformers' `save_pretrained` drops the names in the model's
 *   `_tied_weights_keys` from a shared storage (huggingface/transformers
 *   src/transformers/modeling_utils.py, PreTrainedModel.save_pretrained; LlamaForCausalLM has
 *   `_tied_weights_keys = ["lm_head.weight"]`), so lm_head reads the embeddings;
 * - only lm_head: safetensors' `save_model` keeps the alphabetically first complete name of a
 *   shared storage (`lm_head.weight` < `model.embed_tokens.weight`, `embed_out.weight` <
 *   `gpt_neox.embed_in.weight`) and records each dropped name in `__metadata__` as
 *   `{dropped: kept}` (huggingface/safetensors bindings/python/py_src/safetensors/torch.py,
 *   `_remove_duplicate_names` and `save_model`), so the embeddings read lm_head;
 * - a `__metadata__` alias naming a stored tensor is followed for either name.
 * lm_head standing in for missing embeddings needs the config not to deny the tie
 * (`tie_word_embeddings: false`) or a metadata alias that says so.
 */

export interface TiedNames {
  embed: string;
  lmHead: string;
  /** Both read the same stored tensor. */
  tied: boolean;
}

/**
 * The stored names behind the canonical `embed` and `lmHead` names. `tieDeclared` is config.json's
 * `tie_word_embeddings` (undefined when absent); `metadata` the safetensors `__metadata__`.
 */
export function resolveTiedNames(
  embed: string,
  lmHead: string,
  has: (name: string) => boolean,
  metadata: Record<string, string> = {},
  tieDeclared?: boolean,
): TiedNames {
  const alias = (name: string): string | null => {
    const target = Object.hasOwn(metadata, name) ? metadata[name] : undefined;
    return typeof target === 'string' && target !== name && has(target) ? target : null;
  };
  const embedName = has(embed) ? embed : (alias(embed) ?? (has(lmHead) && tieDeclared !== false ? lmHead : embed));
  const headName = has(lmHead) ? lmHead : (alias(lmHead) ?? embedName);
  return { embed: embedName, lmHead: headName, tied: embedName === headName };
}
