/**
 * GPT-NeoX / Pythia: one fused `attention.query_key_value` `[3·d, d]` interleaved per head
 * ([q_h; k_h; v_h] for each head h), `attention.dense` is o, and a gate-less MLP
 * (`dense_h_to_4h` up, `dense_4h_to_h` down), all `[out, in]`.
 */
import { neoxQkv } from './split';
import type { Family } from './types';

export const gptNeox: Family = {
  id: 'gpt_neox',
  label: 'GPT-NeoX',
  modelTypes: ['gpt_neox'],
  anchor: 'attention.query_key_value.weight',
  direct: { 'attention.dense.weight': 'o', 'mlp.dense_h_to_4h.weight': 'up', 'mlp.dense_4h_to_h.weight': 'down' },
  fused: { 'attention.query_key_value.weight': { role: 'qkv', split: neoxQkv } },
  named(suffix) {
    if (suffix.startsWith('input_layernorm.')) return 'attn_norm';
    if (suffix.startsWith('post_attention_layernorm.')) return 'mlp_norm';
    // Buffers some checkpoints carry: rotary frequencies and causal masks.
    if (suffix === 'attention.rotary_emb.inv_freq' || suffix === 'attention.bias' || suffix === 'attention.masked_bias') return 'other';
    return undefined;
  },
};
