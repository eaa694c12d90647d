/**
 * The mixture-of-experts settings of a GGUF file under config.json's names. The routing rules that
 * transformers reads from config.json (norm_topk_prob, which layers route, the shared expert's
 * width) are not metadata keys for these architectures: llama.cpp fixes them in each
 * architecture's graph builder, and the converter writes only the sizes. So each architecture's
 * settings are spelled out here as llama.cpp builds them (llama.cpp src/models/<arch>.cpp: the
 * `load_arch_hparams` keys and the `build_moe_ffn(…, norm_w, w_scale, gating_op, …)` arguments):
 *
 * - `qwen3moe` (qwen3moe.cpp): softmax gating, norm_w = true; every layer has `ffn_gate_inp` and the
 *   `_exps` tensors; expert width `expert_feed_forward_length`, else `feed_forward_length /
 *   expert_used_count`; no shared expert. Transformers' Qwen3MoeSparseMoeBlock with
 *   norm_topk_prob: true, decoder_sparse_step: 1, mlp_only_layers: [].
 * - `qwen2moe` (qwen2moe.cpp): softmax gating, norm_w = false; the same expert width rule; a shared
 *   expert of width `expert_shared_feed_forward_length` (else `feed_forward_length`) scaled by
 *   sigmoid(`ffn_gate_inp_shexp`·x) (written there as silu(g)/g). Transformers' Qwen2MoeSparseMoeBlock
 *   with norm_topk_prob: false, shared_expert_intermediate_size, decoder_sparse_step: 1,
 *   mlp_only_layers: [].
 * - `olmoe` (olmoe.cpp): softmax gating, norm_w = false, experts of width `feed_forward_length`.
 *   OlmoeSparseMoeBlock with norm_topk_prob: false.
 * - `llama` with `expert_count` (Mixtral; llama.cpp src/models/llama.cpp: norm_w = true): MixtralSparseMoeBlock,
 *   which always renormalises.
 * - `gpt-oss` (openai-moe-iswa.cpp; llama-model.cpp LLM_ARCH_OPENAI_MOE): SOFTMAX_WEIGHT gating (the
 *   top k of the biased logits, softmaxed over those k), SWIGLU_OAI experts with biases, experts of
 *   width `expert_feed_forward_length`; sliding-window attention of `attention.sliding_window` on
 *   every other layer from layer 0 (`set_swa_pattern(2)`). GptOssForCausalLM with
 *   num_local_experts, intermediate_size, sliding_window and layer_types
 *   ["sliding_attention", "full_attention", …], which is GptOssConfig's default pattern.
 *
 * None of these builders reads `expert_weights_scale` or `expert_weights_norm` (their
 * `load_arch_hparams` never loads them), so a file that carries them runs as llama.cpp runs it.
 */

/** Reads `<arch>.<key>` as a number (undefined when absent). */
export type MetadataNumber = (key: string) => number | undefined;

/** llama.cpp's fallback expert width when `expert_feed_forward_length` is absent: `n_ff / n_expert_used` (C++ integer division). */
function expertWidth(n: MetadataNumber): number | undefined {
  const explicit = n('expert_feed_forward_length');
  if (explicit !== undefined) return explicit;
  const ff = n('feed_forward_length'),
    used = n('expert_used_count');
  return ff !== undefined && used ? Math.floor(ff / used) : undefined;
}

function defined(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/**
 * The config.json keys of a GGUF model's experts (none for a dense file). Architectures the executor
 * does not run from GGUF keep the sizes the role map and the model overview read.
 */
export function moeConfigKeys(arch: string, n: MetadataNumber): Record<string, unknown> {
  const experts = n('expert_count');
  if (!experts) return {};
  const used = n('expert_used_count');
  switch (arch) {
    case 'llama':
      return defined({ num_local_experts: experts, num_experts_per_tok: used });
    case 'qwen3moe':
      return defined({
        num_experts: experts,
        num_experts_per_tok: used,
        moe_intermediate_size: expertWidth(n),
        norm_topk_prob: true,
        decoder_sparse_step: 1,
        mlp_only_layers: [],
      });
    case 'qwen2moe':
      return defined({
        num_experts: experts,
        num_experts_per_tok: used,
        moe_intermediate_size: expertWidth(n),
        shared_expert_intermediate_size: n('expert_shared_feed_forward_length') ?? n('feed_forward_length'),
        norm_topk_prob: false,
        decoder_sparse_step: 1,
        mlp_only_layers: [],
      });
    case 'olmoe':
      return defined({ num_experts: experts, num_experts_per_tok: used, norm_topk_prob: false });
    case 'gpt-oss': {
      const layers = n('block_count') ?? 0;
      return defined({
        num_local_experts: experts,
        num_experts_per_tok: used,
        intermediate_size: n('expert_feed_forward_length'),
        sliding_window: n('attention.sliding_window'),
        layer_types: Array.from({ length: layers }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
      });
    }
    default:
      return defined({
        num_experts: experts,
        num_local_experts: experts,
        num_experts_per_tok: used,
        moe_intermediate_size: n('expert_feed_forward_length'),
        n_shared_experts: n('expert_shared_count'),
      });
  }
}

/** Mixture-of-experts model types the executor runs from safetensors but not yet from GGUF, and why. */
export const UNSUPPORTED_GGUF_MOE: Readonly<Record<string, string>> = {
  // deepseek2 files with softmax gating (expert_gating_func 1, or none: llama.cpp reads that as softmax) come out
  // as deepseek_v2 (ggufDeepseekConfig.ts). Their routing and attention scale are not transformers' DeepseekV2:
  // llama.cpp scores expert groups by their two best experts and only when expert_group_count is written (older
  // files lose group_limited_greedy), and scales q·k by the YaRN mscale², which DeepseekV2Attention does not.
  deepseek_v2:
    "DeepSeek-V2 files (softmax expert gating) are routed and scaled by llama.cpp differently from transformers' DeepseekV2 " +
    '(expert groups, YaRN attention scale), so no safetensors original can be matched; DeepSeek-V3 and R1 files (sigmoid gating) run',
  // GLM-4.5 runs from its safetensors checkpoint; its GGUF routing keys (expert_gating_func, expert_group_count, …)
  // are not read into a config here yet, so the file is refused rather than routed with the wrong rule.
  glm4_moe: 'the GLM-4.5 routing keys of GGUF files are not read yet; the safetensors checkpoint runs',
};
