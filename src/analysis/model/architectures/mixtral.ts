/**
 * Mixtral (MixtralForCausalLM), from transformers `models/mixtral/modeling_mixtral.py`: Llama
 * attention, and every layer's MLP a sparse mixture of experts, `MixtralDecoderLayer.block_sparse_moe`
 * = MixtralSparseMoeBlock: the router `gate` = nn.Linear(hidden, num_local_experts) → `[E, d]`, and
 * `experts.<e>` = MixtralBlockSparseTop2MLP with `w2(act(w1 x) * w3 x)`, so w1 = gate, w3 = up,
 * w2 = down, each nn.Linear `[out, in]`. transformers v5 renames the router to `mlp.gate` and fuses
 * the experts into `mlp.experts.gate_up_proj` / `down_proj` (conversion_mapping.py "mixtral":
 * WeightRenaming(".block_sparse_moe.gate", ".mlp.gate"), w1/w3 → gate_up_proj, w2 → down_proj).
 */
import { v5FusedExperts } from './moeCommon';
import { LLAMA_ATTENTION, llamaNorms } from './llamaNames';
import type { Family } from './types';

/** Mixtral's expert matrix names (`w2(act(w1 x) * w3 x)`), which MiniMax keeps (minimaxM2.ts). */
export const MIXTRAL_EXPERT_NAMES = { 'w1.weight': 'gate', 'w3.weight': 'up', 'w2.weight': 'down' } as const;

export const mixtral: Family = {
  id: 'mixtral',
  label: 'Mixtral',
  modelTypes: ['mixtral'],
  anchor: 'block_sparse_moe.gate.weight',
  anchors: ['mlp.gate.weight'],
  direct: LLAMA_ATTENTION,
  extra: { 'block_sparse_moe.gate.weight': 'router', 'mlp.gate.weight': 'router' },
  moe: {
    countKeys: ['num_local_experts'],
    perExpert: { prefix: 'block_sparse_moe.experts.', names: MIXTRAL_EXPERT_NAMES },
    fused: v5FusedExperts('mlp'),
    // Every decoder layer is MixtralSparseMoeBlock.
    isMoeLayer: () => true,
  },
  named: llamaNorms,
};
