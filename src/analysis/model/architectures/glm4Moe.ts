/**
 * GLM-4.5 / GLM-4.5-Air / GLM-4.6 (Glm4MoeForCausalLM), the language model of GLM-4.5V
 * (Glm4vMoeForConditionalGeneration, text under `model.language_model.layers.N`) and dots.llm1
 * (Dots1ForCausalLM), from transformers `models/glm4_moe/modular_glm4_moe.py` (Glm4MoeAttention,
 * Glm4MoeMoE, Glm4MoeDecoderLayer), `models/glm4v_moe/modeling_glm4v_moe.py` and
 * `models/dots1/modular_dots1.py` (Qwen3Attention with DeepseekV3MoE and DeepseekV3DecoderLayer: the
 * same tensor names and layer rule). Solar Open (models/solar_open: every layer sparse) and
 * EXAONE-MoE (models/exaone_moe: `mlp_layer_types`, the selection bias stored as
 * `mlp.e_score_correction_bias`) use the same names.
 *
 * Attention is Llama's q/k/v/o (`nn.Linear`, q/k/v biases when `attention_bias`), with per-head
 * `self_attn.q_norm` / `k_norm` `[head_dim]` when `use_qk_norm`; nothing is fused. The MLP is dense
 * (`mlp.{gate,up,down}_proj`) for `layer_idx < first_k_dense_replace` and Glm4MoeMoE after: the
 * router `mlp.gate.weight` `[n_routed_experts, d]` (DeepseekV3TopkRouter) with its float32
 * `mlp.gate.e_score_correction_bias`, routed experts `mlp.experts.<e>.{gate,up,down}_proj` on disk
 * (transformers v5 fuses them on load: conversion_mapping.py glm4_moe = qwen2_moe), and
 * `mlp.shared_experts`, one MLP of width `moe_intermediate_size · n_shared_experts`.
 * The released checkpoints carry `num_nextn_predict_layers` multi-token-prediction layers after the
 * stack (`model.layers.46` for Air, `.92` for GLM-4.5), which transformers drops on load
 * (`_keys_to_ignore_on_load_unexpected = [r"model\.layers\.92.*", r"model\.layers\.46.*"]`).
 */
import { deepseekExperts } from './deepseek';
import { LLAMA_ATTENTION, denseMlp, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const glm4Moe: Family = {
  id: 'glm4_moe',
  label: 'GLM-4.5',
  // GLM-4.5V's text config was first spelled 'Glm4vMoe_text' (configuration_glm4v_moe.py), later 'glm4v_moe_text'.
  modelTypes: ['glm4_moe', 'glm4v_moe_text', 'Glm4vMoe_text', 'dots1', 'solar_open', 'exaone_moe'],
  anchor: 'mlp.gate.e_score_correction_bias',
  anchors: ['post_attention_layernorm.weight'],
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  extra: { 'mlp.gate.weight': 'router' },
  // EXAONE-MoE stores the selection bias beside the router, not under it.
  moe: { ...deepseekExperts, auxiliary: { ...deepseekExperts.auxiliary, 'mlp.e_score_correction_bias': 'router_bias' } },
  layersBeyondConfig:
    'a multi-token-prediction layer (num_nextn_predict_layers), which the model does not run (transformers ignores it on load); its tensors are listed under Other.',
  named: (suffix) => llamaNorms(suffix) ?? (suffix === 'self_attn.q_norm.weight' || suffix === 'self_attn.k_norm.weight' ? 'norm' : undefined),
};
