/**
 * How much memory a model needs: its weights at bf16, int8 and int4, next to what its files hold,
 * and its KV cache per 1,024 tokens at bf16, from config.json.
 *
 * KV cache per token: every layer keeps one key and one value vector per key/value head,
 * layers × 2 × kv heads × head dim × 2 bytes. DeepSeek-V2/V3's multi-head latent attention keeps
 * instead one compressed latent of kv_lora_rank values plus the shared rotary key of
 * qk_rope_head_dim values per layer (DeepSeek-V3 inference/model.py, MLA.forward with
 * attn_impl "absorb": kv_cache [.., kv_lora_rank] and pe_cache [.., qk_rope_head_dim]; the
 * defaults 512 and 64 are those of transformers' configuration_deepseek_v3.py DeepseekV3Config),
 * layers × (kv_lora_rank + qk_rope_head_dim) × 2 bytes. transformers' own DeepseekV3Attention
 * caches the expanded per-head keys and values instead (qk_nope_head_dim + qk_rope_head_dim for
 * keys, v_head_dim for values, per attention head): reported beside it.
 */

/** Tokens the KV cache figure is for. */
export const KV_TOKENS = 1024;
/** Weights per int4 scale group. */
export const INT4_GROUP = 128;

export interface KvCacheEstimate {
  /** `mla`: DeepSeek's latent cache; `heads`: keys and values per kv head. */
  kind: 'heads' | 'mla';
  bytesPerToken: number;
  /** For KV_TOKENS tokens at bf16. */
  bytes: number;
  /** The closed form with the config's numbers, e.g. `32 layers × 2 × 8 kv heads × 128 head dim × 2 B`. */
  formula: string;
  /** MLA only: what a cache of the expanded per-head keys and values (transformers' eager attention) takes for KV_TOKENS tokens. */
  expandedBytes?: number;
}

export interface MemoryEstimate {
  params: number;
  /** What the weight files hold. */
  storedBytes: number;
  bf16Bytes: number;
  int8Bytes: number;
  /** 4 bits a weight plus one fp16 scale per INT4_GROUP weights (zero points not counted). */
  int4Bytes: number;
  kvCache: KvCacheEstimate | null;
}

type Config = Record<string, unknown>;

function num(c: Config, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = c[k];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  }
  return undefined;
}

/** The language model's config: a multimodal config keeps it under text_config (or llm_config / language_config). */
function textConfig(config: Config): Config {
  if (num(config, 'num_hidden_layers', 'n_layer', 'num_layers') !== undefined) return config;
  for (const k of ['text_config', 'llm_config', 'language_config']) {
    const sub = config[k];
    if (sub && typeof sub === 'object' && !Array.isArray(sub)) return sub as Config;
  }
  return config;
}

export function kvCacheEstimate(config: Config | null): KvCacheEstimate | null {
  if (!config) return null;
  const c = textConfig(config);
  const layers = num(c, 'num_hidden_layers', 'n_layer', 'num_layers');
  if (!layers) return null;
  const rank = num(c, 'kv_lora_rank');
  const rope = num(c, 'qk_rope_head_dim');
  const heads = num(c, 'num_attention_heads', 'n_head', 'num_heads');
  if (rank && rope) {
    const perToken = layers * (rank + rope) * 2;
    const nope = num(c, 'qk_nope_head_dim');
    const v = num(c, 'v_head_dim');
    const expanded = heads && nope && v ? layers * heads * (nope + rope + v) * 2 * KV_TOKENS : undefined;
    return {
      kind: 'mla',
      bytesPerToken: perToken,
      bytes: perToken * KV_TOKENS,
      formula: `${layers} layers × (${rank} kv_lora_rank + ${rope} qk_rope_head_dim) × 2 B`,
      ...(expanded ? { expandedBytes: expanded } : {}),
    };
  }
  if (!heads) return null;
  // Falcon's multi_query stores one kv head; otherwise num_key_value_heads, defaulting to every head.
  const kvHeads = num(c, 'num_key_value_heads', 'num_kv_heads', 'n_head_kv') ?? (c['multi_query'] === true ? 1 : heads);
  const hidden = num(c, 'hidden_size', 'n_embd', 'd_model');
  const headDim = num(c, 'head_dim') ?? (hidden ? hidden / heads : undefined);
  if (!headDim || !Number.isInteger(headDim)) return null;
  const perToken = layers * 2 * kvHeads * headDim * 2;
  return {
    kind: 'heads',
    bytesPerToken: perToken,
    bytes: perToken * KV_TOKENS,
    formula: `${layers} layers × 2 × ${kvHeads} kv heads × ${headDim} head dim × 2 B`,
  };
}

export function memoryEstimate(config: Config | null, params: number, storedBytes: number): MemoryEstimate {
  return {
    params,
    storedBytes,
    bf16Bytes: params * 2,
    int8Bytes: params,
    int4Bytes: params / 2 + (params / INT4_GROUP) * 2,
    kvCache: kvCacheEstimate(config),
  };
}
