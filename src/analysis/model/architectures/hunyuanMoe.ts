/**
 * Hunyuan MoE (HunYuanMoEV1ForCausalLM: Hunyuan-A13B), from transformers
 * `models/hunyuan_v1_moe/modular_hunyuan_v1_moe.py` (HunYuanMoEV1Attention, HunYuanMoEV1Gate,
 * HunYuanMoEV1Moe, HunYuanMoEV1DecoderLayer): Llama's q/k/v/o (biases when `attention_bias`) with
 * per-head `self_attn.query_layernorm` / `key_layernorm` `[head_dim]`; every layer a mixture of
 * experts: the router `mlp.gate.wg.weight` `[num_experts, d]` (float32), experts
 * `mlp.experts.<e>.{gate,up,down}_proj` (v5 fuses them: conversion_mapping.py hunyuan_v1_moe =
 * qwen2_moe) and one shared MLP `mlp.shared_mlp.{gate,up,down}_proj`, added ungated.
 * The remote-code release (model_type `hunyuan`) is not listed: some of its saves fuse `qkv_proj`
 * and `gate_and_up_proj`, which transformers never reads; a file with the names above is still
 * recognised by them (index.ts maps an unlisted type by its tensor names).
 */
import { expertMlp, v5FusedExperts } from './moeCommon';
import { LLAMA_ATTENTION, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const hunyuanMoe: Family = {
  id: 'hunyuan_v1_moe',
  label: 'Hunyuan-MoE',
  modelTypes: ['hunyuan_v1_moe'],
  anchor: 'mlp.gate.wg.weight',
  anchors: ['post_attention_layernorm.weight'],
  direct: LLAMA_ATTENTION,
  extra: { 'mlp.gate.wg.weight': 'router' },
  moe: {
    countKeys: ['num_experts', 'num_local_experts'],
    perExpert: { prefix: 'mlp.experts.', names: expertMlp() },
    fused: v5FusedExperts('mlp'),
    shared: expertMlp('mlp.shared_mlp'),
    // HunYuanMoEV1DecoderLayer: `self.mlp = HunYuanMoEV1Moe(config)` in every layer.
    isMoeLayer: () => true,
  },
  named: (suffix) => llamaNorms(suffix) ?? (suffix === 'self_attn.query_layernorm.weight' || suffix === 'self_attn.key_layernorm.weight' ? 'norm' : undefined),
};
