/**
 * Phi-1, Phi-1.5 and Phi-2 as transformers saves them (models/phi/modular_phi.py): PhiAttention has
 * separate `q_proj`, `k_proj`, `v_proj` (with biases; k and v sized by num_key_value_heads) and calls
 * its output projection `dense` (LlamaAttention's o_proj is deleted), plus per-head `q_layernorm` /
 * `k_layernorm` when config.qk_layernorm; PhiMLP is CLIPMLP: `fc1` (up) and `fc2` (down), no gate.
 * PhiDecoderLayer has one `input_layernorm` feeding attention and MLP in parallel; PhiModel's final
 * norm is `final_layernorm`. All `[out, in]` (nn.Linear).
 */
import type { Family } from './types';

export const phi: Family = {
  id: 'phi',
  label: 'Phi',
  modelTypes: ['phi'],
  anchor: 'self_attn.dense.weight',
  direct: {
    'self_attn.q_proj.weight': 'q',
    'self_attn.k_proj.weight': 'k',
    'self_attn.v_proj.weight': 'v',
    'self_attn.dense.weight': 'o',
    'mlp.fc1.weight': 'up',
    'mlp.fc2.weight': 'down',
  },
  named(suffix) {
    if (suffix.startsWith('input_layernorm.')) return 'attn_norm';
    if (suffix.startsWith('self_attn.q_layernorm.') || suffix.startsWith('self_attn.k_layernorm.')) return 'norm';
    return undefined;
  },
};
