/**
 * GPT-J (models/gptj/modeling_gptj.py), under `transformer.h.N`: GPTJAttention's separate
 * `attn.q_proj`, `attn.k_proj`, `attn.v_proj`, `attn.out_proj` (nn.Linear, bias=False); GPTJMLP's
 * gate-less `mlp.fc_in` (up) and `mlp.fc_out` (down), with biases; GPTJBlock's single `ln_1` feeds
 * attention and MLP in parallel. All `[out, in]`.
 */
import type { Family } from './types';

export const gptj: Family = {
  id: 'gptj',
  label: 'GPT-J',
  modelTypes: ['gptj'],
  anchor: 'mlp.fc_in.weight',
  direct: {
    'attn.q_proj.weight': 'q',
    'attn.k_proj.weight': 'k',
    'attn.v_proj.weight': 'v',
    'attn.out_proj.weight': 'o',
    'mlp.fc_in.weight': 'up',
    'mlp.fc_out.weight': 'down',
  },
  named(suffix) {
    if (suffix.startsWith('ln_1.')) return 'attn_norm';
    // Causal-mask buffers that older checkpoints saved.
    if (suffix === 'attn.bias' || suffix === 'attn.masked_bias') return 'other';
    return undefined;
  },
};
