/**
 * OLMoE (OlmoeForCausalLM), from transformers `models/olmoe/modular_olmoe.py`: Llama attention with
 * `self_attn.q_norm` (RMSNorm over hidden_size) and `k_norm` (over kv heads × head_dim) applied to
 * the whole q/k projections; every layer `OlmoeSparseMoeBlock`: the router `mlp.gate` =
 * nn.Linear(hidden, num_experts) `[E, d]` and experts `mlp.experts.<e>.{gate,up,down}_proj`
 * (OlmoeMLP = GemmaMLP, `down(act(gate x) * up x)`). transformers v5 fuses the experts like
 * Qwen2-MoE's (conversion_mapping.py: olmoe = qwen2_moe).
 */
import { expertMlp, v5FusedExperts } from './moeCommon';
import { LLAMA_ATTENTION, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const olmoe: Family = {
  id: 'olmoe',
  label: 'OLMoE',
  modelTypes: ['olmoe'],
  anchor: 'mlp.gate.weight',
  direct: LLAMA_ATTENTION,
  extra: { 'mlp.gate.weight': 'router' },
  moe: {
    countKeys: ['num_experts'],
    perExpert: { prefix: 'mlp.experts.', names: expertMlp() },
    fused: v5FusedExperts('mlp'),
    // OlmoeDecoderLayer: every layer's mlp is OlmoeSparseMoeBlock.
    isMoeLayer: () => true,
  },
  named: (suffix) => llamaNorms(suffix) ?? (suffix === 'self_attn.q_norm.weight' || suffix === 'self_attn.k_norm.weight' ? 'norm' : undefined),
};
