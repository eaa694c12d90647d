/**
 * Qwen2-MoE (Qwen2MoeForCausalLM), from transformers `models/qwen2_moe/modeling_qwen2_moe.py`:
 * Llama attention with q/k/v biases (`bias=config.qkv_bias`); a layer is Qwen2MoeSparseMoeBlock
 * when `layer_idx not in mlp_only_layers and num_experts > 0 and (layer_idx + 1) %
 * decoder_sparse_step == 0`, else a dense Qwen2MoeMLP `mlp.{gate,up,down}_proj`. The sparse block
 * has the router `mlp.gate` = nn.Linear(hidden, num_experts) `[E, d]`, experts
 * `mlp.experts.<e>.{gate,up,down}_proj` (Qwen2MoeMLP with moe_intermediate_size), one
 * `mlp.shared_expert` (shared_expert_intermediate_size) and `mlp.shared_expert_gate` =
 * nn.Linear(hidden, 1), whose sigmoid scales the shared expert's output. transformers v5 fuses the
 * experts (conversion_mapping.py "qwen2_moe") into `mlp.experts.gate_up_proj` / `down_proj`.
 */
import { expertMlp, intList, intOr, v5FusedExperts } from './moeCommon';
import { LLAMA_ATTENTION, denseMlp, llamaNorms } from './llamaNames';
import type { Family, MoeSpec } from './types';

/** Qwen2MoeDecoderLayer's rule; decoder_sparse_step defaults to 1 and mlp_only_layers to [] (Qwen2MoeConfig). */
export function qwenMoeLayer(index: number, config: Record<string, unknown>): boolean | undefined {
  const experts = intOr(config, 'num_experts', undefined);
  if (experts === undefined) return undefined;
  const step = intOr(config, 'decoder_sparse_step', 1) || 1;
  const mlpOnly = intList(config, 'mlp_only_layers') ?? [];
  return !mlpOnly.includes(index) && experts > 0 && (index + 1) % step === 0;
}

export const qwenExperts: MoeSpec = {
  countKeys: ['num_experts'],
  perExpert: { prefix: 'mlp.experts.', names: expertMlp() },
  fused: v5FusedExperts('mlp'),
  isMoeLayer: qwenMoeLayer,
};

export const qwen2Moe: Family = {
  id: 'qwen2_moe',
  label: 'Qwen2-MoE',
  modelTypes: ['qwen2_moe'],
  anchor: 'mlp.gate.weight',
  anchors: ['post_attention_layernorm.weight'],
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  extra: { 'mlp.gate.weight': 'router' },
  moe: {
    ...qwenExperts,
    shared: expertMlp('mlp.shared_expert'),
    auxiliary: { 'mlp.shared_expert_gate.weight': 'shared_expert_gate' },
  },
  named: llamaNorms,
};
