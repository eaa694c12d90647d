/**
 * ERNIE-4.5 MoE (Ernie4_5_MoeForCausalLM: ERNIE-4.5-21B-A3B, 300B-A47B), from transformers
 * `models/ernie4_5_moe/modular_ernie4_5_moe.py` (Ernie4_5_MoeStatics, Ernie4_5_MoeSparseMoeBlock,
 * Ernie4_5_MoeDecoderLayer): Llama's tensors (biases when `use_bias`); a layer is sparse when
 * `(layer_idx + 1) % moe_layer_interval == 0 and moe_layer_start_index <= layer_idx <=
 * moe_layer_end_index` (end −1: the last layer), else a dense `mlp.{gate,up,down}_proj`. The sparse
 * block: router `mlp.gate.weight` `[moe_num_experts, d]` (float32), the selection bias
 * `mlp.moe_statics.e_score_correction_bias` `[1, E]` (v5: `mlp.gate.moe_statics.…`), experts
 * `mlp.experts.<e>.{gate,up,down}_proj` (v5 fuses them: conversion_mapping.py ernie4_5_moe =
 * qwen2_moe) and `mlp.shared_experts`, one MLP of width `moe_intermediate_size ·
 * moe_num_shared_experts`. Multi-token-prediction tensors (`model.mtp_*`) sit outside the stack.
 */
import { expertMlp, intOr, v5FusedExperts } from './moeCommon';
import { LLAMA_ATTENTION, denseMlp, llamaNorms } from './llamaNames';
import type { Family } from './types';

/** Ernie4_5_MoeDecoderLayer's rule, with Ernie4_5_MoeConfig's defaults (start 1, end −1, interval 1). */
function ernieMoeLayer(index: number, config: Record<string, unknown>): boolean | undefined {
  const layers = intOr(config, 'num_hidden_layers', undefined);
  if (layers === undefined) return undefined;
  const start = intOr(config, 'moe_layer_start_index', 1)!;
  const endRaw = config.moe_layer_end_index;
  const end = typeof endRaw === 'number' && Number.isInteger(endRaw) && endRaw >= 0 ? endRaw : layers - 1;
  const interval = intOr(config, 'moe_layer_interval', 1) || 1;
  return (index + 1) % interval === 0 && index >= start && index <= end;
}

export const ernie45Moe: Family = {
  id: 'ernie4_5_moe',
  label: 'ERNIE-4.5-MoE',
  modelTypes: ['ernie4_5_moe'],
  anchor: 'mlp.moe_statics.e_score_correction_bias',
  anchors: ['mlp.gate.moe_statics.e_score_correction_bias', 'post_attention_layernorm.weight'],
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  extra: { 'mlp.gate.weight': 'router' },
  moe: {
    countKeys: ['moe_num_experts'],
    perExpert: { prefix: 'mlp.experts.', names: expertMlp() },
    fused: v5FusedExperts('mlp'),
    shared: expertMlp('mlp.shared_experts'),
    sharedCountKey: 'moe_num_shared_experts',
    auxiliary: { 'mlp.moe_statics.e_score_correction_bias': 'router_bias', 'mlp.gate.moe_statics.e_score_correction_bias': 'router_bias' },
    isMoeLayer: ernieMoeLayer,
  },
  named: llamaNorms,
};
