/**
 * The config.json of a `deepseek2` GGUF file (DeepSeek-V2, V3, R1), rebuilt from the keys
 * convert_hf_to_gguf.py `DeepseekV2Model.set_gguf_parameters` (and `TextModel.set_gguf_parameters`
 * before it) writes, under the names transformers' DeepseekV3Config reads:
 *
 * | GGUF key (gguf-py constants.py)            | config.json                          |
 * | ------------------------------------------ | ------------------------------------ |
 * | leading_dense_block_count                  | first_k_dense_replace                |
 * | expert_count / expert_used_count           | n_routed_experts / num_experts_per_tok |
 * | expert_shared_count                        | n_shared_experts                     |
 * | expert_feed_forward_length                 | moe_intermediate_size                |
 * | expert_weights_scale                       | routed_scaling_factor                |
 * | expert_weights_norm                        | norm_topk_prob                       |
 * | expert_gating_func (1 softmax, 2 sigmoid)  | scoring_func                         |
 * | expert_group_count / expert_group_used_count | n_group / topk_group               |
 * | attention.q_lora_rank / kv_lora_rank       | q_lora_rank / kv_lora_rank           |
 * | rope.dimension_count                       | qk_rope_head_dim                     |
 * | attention.key_length_mla − rope dims       | qk_nope_head_dim                     |
 * | attention.value_length_mla                 | v_head_dim                           |
 * | rope.scaling.yarn_log_multiplier / 0.1     | rope_scaling.mscale_all_dim          |
 *
 * Absent keys mean what llama.cpp makes of them (src/models/deepseek2.cpp `load_arch_hparams`):
 * no leading dense layers, no weight scale (1), no renormalisation (the converter writes
 * expert_weights_norm only when true), softmax gating, and no expert groups (llama-graph.cpp
 * `build_moe_ffn` limits groups only when expert_group_count > 1; files converted before those keys
 * existed are run without the limit, as llama.cpp runs them).
 *
 * Head sizes: files converted since llama.cpp's MLA change write the absorbed-attention sizes as
 * key_length (kv_lora_rank + rope) / value_length (kv_lora_rank) with head_count_kv 1, and the real
 * per-head sizes as key_length_mla / value_length_mla; older files have only key_length = nope + rope
 * and value_length = v_head_dim (llama_hparams::n_embd_head_k_mla() falls back to them).
 *
 * The rope dims keep their stored order: DeepseekV2Model is not a LlamaModel and does not permute q/k
 * rows, and llama.cpp rotates adjacent pairs for deepseek2 (llama-model.cpp `llama_model_rope_type`:
 * LLAMA_ROPE_TYPE_NORM), which is DeepseekV3Config's `rope_interleave: true`.
 *
 * YaRN attention scale: the converter writes `0.1 · mscale_all_dim` ([TAG_DEEPSEEK2_YARN_LOG_MUL_FIX];
 * llama.cpp divides by 0.1 on load), and llama.cpp takes `mscale` to equal `mscale_all_dim`
 * (llama-context.cpp: the rotation's magnitude get_mscale(f, mscale) / get_mscale(f, mscale_all_dim)
 * is then 1), while deepseek2.cpp multiplies q·k by get_mscale(f, mscale_all_dim)² / √qk_head_dim.
 * Transformers' DeepseekV3Attention computes the same scale from rope_scaling.mscale_all_dim and
 * `_compute_yarn_parameters` the same magnitude from mscale and mscale_all_dim, so both are set to the
 * file's value (DeepSeek-V3 and R1 ship mscale = mscale_all_dim = 1).
 */
import type { GgufKv } from '../../io/gguf/ggufHeader';

/** gguf-py ExpertGatingFuncType.SIGMOID (SOFTMAX is 1; llama.cpp reads an absent key as softmax). */
const GATING_SIGMOID = 2;

/** Reads `deepseek2.<key>` as a number (undefined when absent). */
type MetadataNumber = (key: string) => number | undefined;

/**
 * The value `x` (read from an f32 key) as the shortest decimal that is the same float32, so a
 * converter's 1.3 reads back as 1.3 rather than 1.2999999523162842.
 */
function f32Decimal(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

/** The HF model type of a deepseek2 file: V3 (sigmoid gating) or V2 (softmax, or none, which llama.cpp reads as softmax). */
export function deepseekModelType(n: MetadataNumber): readonly [modelType: string, className: string] {
  return n('expert_gating_func') === GATING_SIGMOID ? ['deepseek_v3', 'DeepseekV3ForCausalLM'] : ['deepseek_v2', 'DeepseekV2ForCausalLM'];
}

/**
 * DeepseekV3Config keys of a deepseek2 file. `rope_scaling` is the one ggufConfig.ts built from the
 * generic rope keys, completed here with the YaRN mscales; `metadata` gives the boolean
 * expert_weights_norm, which `n` does not read.
 */
export function deepseekConfigKeys(n: MetadataNumber, metadata: ReadonlyMap<string, GgufKv>, ropeScaling: unknown): Record<string, unknown> {
  const heads = n('attention.head_count');
  const rope = n('rope.dimension_count');
  const keyLength = n('attention.key_length_mla') ?? n('attention.key_length');
  const vHead = n('attention.value_length_mla') ?? n('attention.value_length');
  const experts = n('expert_count');
  const norm = metadata.get('deepseek2.expert_weights_norm')?.value;
  const scale = n('expert_weights_scale');
  const logMul = n('rope.scaling.yarn_log_multiplier');
  const out: Record<string, unknown> = {
    // MLA decompresses to one key/value head per query head (DeepseekV3Config keeps num_key_value_heads = heads).
    num_key_value_heads: heads,
    q_lora_rank: n('attention.q_lora_rank') ?? null,
    kv_lora_rank: n('attention.kv_lora_rank'),
    qk_rope_head_dim: rope,
    qk_nope_head_dim: keyLength !== undefined && rope !== undefined ? keyLength - rope : undefined,
    v_head_dim: vHead,
    // DeepseekV3Config: head_dim = qk_rope_head_dim (the rotary width).
    head_dim: rope,
    rope_interleave: true,
    attention_bias: false,
    first_k_dense_replace: n('leading_dense_block_count') ?? 0,
    ...(experts
      ? {
          n_routed_experts: experts,
          num_experts_per_tok: n('expert_used_count'),
          n_shared_experts: n('expert_shared_count') ?? 0,
          moe_intermediate_size: n('expert_feed_forward_length'),
          routed_scaling_factor: scale === undefined ? 1 : f32Decimal(scale),
          norm_topk_prob: norm === true,
          scoring_func: n('expert_gating_func') === GATING_SIGMOID ? 'sigmoid' : 'softmax',
          topk_method: 'noaux_tc',
          n_group: n('expert_group_count') ?? 1,
          topk_group: n('expert_group_used_count') ?? 1,
        }
      : {}),
  };
  if (typeof ropeScaling === 'object' && ropeScaling !== null && logMul !== undefined) {
    // llama.cpp's `rope_yarn_log_mul /= 0.1f`, in float32 as there (0.1 · 0.707 comes back as 0.70699996).
    const mscaleAllDim = f32Decimal(Math.fround(logMul) / Math.fround(0.1));
    out.rope_scaling = { ...(ropeScaling as Record<string, unknown>), mscale: mscaleAllDim, mscale_all_dim: mscaleAllDim };
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
