/**
 * Phi-3: attention in one fused `qkv_proj` ([q; k; v] rows) and the MLP's gate and up in one
 * `gate_up_proj` (`gate, up = gate_up_proj(x).chunk(2, dim=-1)`), both `[out, in]`.
 */
import { equalBlocks, phi3Qkv } from './split';
import type { Family } from './types';

export const phi3: Family = {
  id: 'phi3',
  label: 'Phi-3',
  modelTypes: ['phi3'],
  anchor: 'self_attn.qkv_proj.weight',
  direct: { 'self_attn.o_proj.weight': 'o', 'mlp.down_proj.weight': 'down' },
  fused: {
    'self_attn.qkv_proj.weight': { role: 'qkv', split: phi3Qkv },
    'mlp.gate_up_proj.weight': { role: 'gate_up', split: (rows) => equalBlocks(['gate', 'up'], rows, 'gate_up_proj') },
  },
  named: (suffix) => (suffix === 'input_layernorm.weight' ? 'attn_norm' : suffix === 'post_attention_layernorm.weight' ? 'mlp_norm' : undefined),
};
