/**
 * GPT-Neo (models/gpt_neo/modeling_gpt_neo.py), under `transformer.h.N`: GPTNeoSelfAttention sits one
 * level down, at `attn.attention`, with `q_proj`, `k_proj`, `v_proj` (bias=False) and `out_proj`
 * (with bias); GPTNeoMLP's `mlp.c_fc` (up) and `mlp.c_proj` (down) are nn.Linear — `[out, in]`, not
 * GPT-2's transposed Conv1D despite the names; GPTNeoBlock's `ln_1` and `ln_2`.
 */
import type { Family } from './types';

export const gptNeo: Family = {
  id: 'gpt_neo',
  label: 'GPT-Neo',
  modelTypes: ['gpt_neo'],
  anchor: 'attn.attention.q_proj.weight',
  direct: {
    'attn.attention.q_proj.weight': 'q',
    'attn.attention.k_proj.weight': 'k',
    'attn.attention.v_proj.weight': 'v',
    'attn.attention.out_proj.weight': 'o',
    'mlp.c_fc.weight': 'up',
    'mlp.c_proj.weight': 'down',
  },
  named(suffix) {
    if (suffix.startsWith('ln_1.')) return 'attn_norm';
    if (suffix.startsWith('ln_2.')) return 'mlp_norm';
    // The causal (or local-window) mask buffers GPTNeoSelfAttention registers.
    if (suffix === 'attn.attention.bias' || suffix === 'attn.attention.masked_bias') return 'other';
    return undefined;
  },
};
