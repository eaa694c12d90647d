/**
 * OLMo (models/olmo/modular_olmo.py): Llama's separate `q/k/v/o_proj` and `gate/up/down_proj`
 * (OlmoAttention(LlamaAttention), OlmoMLP without biases), `[out, in]`. Its norms are OlmoLayerNorm,
 * "LayerNorm but with no learnable weight or bias", so a layer stores no norm tensor at all.
 */
import type { Family } from './types';

export const olmo: Family = {
  id: 'olmo',
  label: 'OLMo',
  modelTypes: ['olmo'],
  anchor: 'mlp.down_proj.weight',
  direct: {
    'self_attn.q_proj.weight': 'q',
    'self_attn.k_proj.weight': 'k',
    'self_attn.v_proj.weight': 'v',
    'self_attn.o_proj.weight': 'o',
    'mlp.gate_proj.weight': 'gate',
    'mlp.up_proj.weight': 'up',
    'mlp.down_proj.weight': 'down',
  },
};
