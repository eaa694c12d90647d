/**
 * Phi-3.5-MoE (PhimoeForCausalLM), from transformers `models/phimoe/modeling_phimoe.py`: attention
 * q/k/v/o_proj (with biases when `attention_bias`), LayerNorm (weight and bias) for
 * `input_layernorm` / `post_attention_layernorm` and the final norm, and every layer
 * `block_sparse_moe` = PhimoeSparseMoeBlock: the router `gate` = nn.Linear(hidden,
 * num_local_experts) `[E, d]` and experts `experts.<e>` = PhimoeBlockSparseTop2MLP with
 * `w2(act(w1 x) * w3 x)` (w1 = gate, w3 = up, w2 = down). In transformers v5
 * (`modular_phimoe.py`) the block is `mlp` with the router `mlp.router` and fused
 * `mlp.experts.gate_up_proj` / `down_proj` (PhimoeExperts = MixtralExperts).
 */
import { v5FusedExperts } from './moeCommon';
import { LLAMA_ATTENTION, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const phimoe: Family = {
  id: 'phimoe',
  label: 'Phi-3.5-MoE',
  modelTypes: ['phimoe'],
  anchor: 'block_sparse_moe.gate.weight',
  anchors: ['mlp.router.weight'],
  direct: LLAMA_ATTENTION,
  extra: { 'block_sparse_moe.gate.weight': 'router', 'mlp.router.weight': 'router' },
  moe: {
    countKeys: ['num_local_experts'],
    perExpert: { prefix: 'block_sparse_moe.experts.', names: { 'w1.weight': 'gate', 'w3.weight': 'up', 'w2.weight': 'down' } },
    fused: v5FusedExperts('mlp'),
    isMoeLayer: () => true,
  },
  named: llamaNorms,
};
