/**
 * Cohere Command R (models/cohere/modular_cohere.py) and Command R7B (cohere2/modular_cohere2.py):
 * Llama's separate `q/k/v/o_proj` and `gate/up/down_proj` (CohereAttention(LlamaAttention),
 * CohereMLP(LlamaMLP)), all `[out, in]`. CohereDecoderLayer has a single `input_layernorm` whose
 * output feeds attention and MLP in parallel (no post_attention_layernorm); with config.use_qk_norm,
 * `self_attn.q_norm` / `k_norm` are CohereLayerNorm weights of shape `[heads, head_dim]`.
 */
import type { Family } from './types';
import { LLAMA_ATTENTION, denseMlp } from './llamaNames';

export const cohere: Family = {
  id: 'cohere',
  label: 'Cohere',
  modelTypes: ['cohere', 'cohere2'],
  anchor: 'mlp.down_proj.weight',
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  named(suffix) {
    if (suffix === 'input_layernorm.weight') return 'attn_norm';
    if (suffix === 'self_attn.q_norm.weight' || suffix === 'self_attn.k_norm.weight') return 'norm';
    return undefined;
  },
};
