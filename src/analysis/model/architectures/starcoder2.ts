/**
 * StarCoder2 (models/starcoder2/modular_starcoder2.py): Starcoder2Attention's separate `q_proj`,
 * `k_proj`, `v_proj`, `o_proj` (biases when config.use_bias; k and v sized by num_key_value_heads);
 * Starcoder2MLP's gate-less `mlp.c_fc` (up) and `mlp.c_proj` (down), nn.Linear `[out, in]`;
 * LayerNorm `input_layernorm` and `post_attention_layernorm` (weight and bias).
 */
import type { Family } from './types';
import { LLAMA_ATTENTION } from './llamaNames';

export const starcoder2: Family = {
  id: 'starcoder2',
  label: 'StarCoder2',
  modelTypes: ['starcoder2'],
  anchor: 'mlp.c_fc.weight',
  direct: {
    ...LLAMA_ATTENTION,
    'mlp.c_fc.weight': 'up',
    'mlp.c_proj.weight': 'down',
  },
  named(suffix) {
    if (suffix.startsWith('input_layernorm.')) return 'attn_norm';
    if (suffix.startsWith('post_attention_layernorm.')) return 'mlp_norm';
    return undefined;
  },
};
