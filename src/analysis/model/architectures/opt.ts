/**
 * OPT: separate `q/k/v/out_proj` with biases, a gate-less MLP `fc1` (up) / `fc2` (down), all
 * `[out, in]`, under `model.decoder.layers.N` (or `decoder.layers.N` for a bare OPTModel).
 */
import type { Family } from './types';

export const opt: Family = {
  id: 'opt',
  label: 'OPT',
  modelTypes: ['opt'],
  anchor: 'fc2.weight',
  direct: {
    'self_attn.q_proj.weight': 'q',
    'self_attn.k_proj.weight': 'k',
    'self_attn.v_proj.weight': 'v',
    'self_attn.out_proj.weight': 'o',
    'fc1.weight': 'up',
    'fc2.weight': 'down',
  },
  named(suffix) {
    if (suffix.startsWith('self_attn_layer_norm.')) return 'attn_norm';
    if (suffix.startsWith('final_layer_norm.')) return 'mlp_norm';
    return undefined;
  },
};
