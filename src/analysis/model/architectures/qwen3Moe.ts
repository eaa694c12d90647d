/**
 * Qwen3-MoE (Qwen3MoeForCausalLM), from transformers `models/qwen3_moe/modular_qwen3_moe.py`:
 * Qwen3 attention (`Qwen3MoeAttention(Qwen3Attention)`: q/k/v/o without biases, per-head
 * `self_attn.q_norm` / `k_norm`), the decoder layer of Qwen2-MoE (same dense/sparse rule), and a
 * sparse block `Qwen3MoeSparseMoeBlock` with only the router `mlp.gate` `[E, d]` and the experts —
 * no shared expert. On disk the experts are `mlp.experts.<e>.{gate,up,down}_proj` (transformers v5
 * fuses them, conversion_mapping.py: qwen3_moe = qwen2_moe).
 */
import { LLAMA_ATTENTION, denseMlp, llamaNorms } from './llamaNames';
import { qwenExperts } from './qwen2Moe';
import type { Family } from './types';

export const qwen3Moe: Family = {
  id: 'qwen3_moe',
  label: 'Qwen3-MoE',
  modelTypes: ['qwen3_moe'],
  anchor: 'mlp.gate.weight',
  anchors: ['post_attention_layernorm.weight'],
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  extra: { 'mlp.gate.weight': 'router' },
  moe: qwenExperts,
  named: (suffix) => llamaNorms(suffix) ?? (suffix === 'self_attn.q_norm.weight' || suffix === 'self_attn.k_norm.weight' ? 'norm' : undefined),
};
