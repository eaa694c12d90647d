/**
 * MiniMax-M2 (MiniMaxM2ForCausalLM), from transformers `models/minimax_m2/modeling_minimax_m2.py`
 * (MiniMaxM2Attention, MiniMaxM2SparseMoeBlock, MiniMaxM2DecoderLayer): Llama's q/k/v/o without
 * biases and q/k norms over the whole projection (`q_norm` `[heads·head_dim]`, `k_norm`
 * `[kv_heads·head_dim]`, applied before the split into heads); every layer a mixture of experts
 * stored as Mixtral stores it — router `block_sparse_moe.gate.weight` `[E, d]`, experts
 * `block_sparse_moe.experts.<e>.{w1,w3,w2}.weight` (gate, up, down) — plus the routing bias
 * `block_sparse_moe.e_score_correction_bias` `[E]`. transformers v5 renames `block_sparse_moe` to
 * `mlp` and fuses the experts (conversion_mapping.py: minimax_m2 = mixtral, and the bias renamed to
 * `mlp.e_score_correction_bias`). No shared expert.
 */
import { MIXTRAL_EXPERT_NAMES } from './mixtral';
import { v5FusedExperts } from './moeCommon';
import { LLAMA_ATTENTION, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const minimaxM2: Family = {
  id: 'minimax_m2',
  label: 'MiniMax-M2',
  modelTypes: ['minimax_m2'],
  anchor: 'block_sparse_moe.e_score_correction_bias',
  anchors: ['mlp.e_score_correction_bias'],
  direct: LLAMA_ATTENTION,
  extra: { 'block_sparse_moe.gate.weight': 'router', 'mlp.gate.weight': 'router' },
  moe: {
    countKeys: ['num_local_experts'],
    perExpert: { prefix: 'block_sparse_moe.experts.', names: MIXTRAL_EXPERT_NAMES },
    fused: v5FusedExperts('mlp'),
    auxiliary: { 'block_sparse_moe.e_score_correction_bias': 'router_bias', 'mlp.e_score_correction_bias': 'router_bias' },
    // MiniMaxM2DecoderLayer: `self.mlp = MiniMaxM2SparseMoeBlock(config)` in every layer.
    isMoeLayer: () => true,
  },
  named: (suffix) => llamaNorms(suffix) ?? (suffix === 'self_attn.q_norm.weight' || suffix === 'self_attn.k_norm.weight' ? 'norm' : undefined),
};
