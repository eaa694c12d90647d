/**
 * BLOOM (models/bloom/modeling_bloom.py), under `h.N` (or `transformer.h.N` from BloomForCausalLM):
 * BloomAttention's fused `self_attention.query_key_value` `[3·d, d]`, which `_reshape` views as
 * `[…, num_heads, 3, head_dim]` — per-head interleaved [q_h; k_h; v_h] exactly like GPT-NeoX, so it
 * is split by split.ts neoxQkv — and `self_attention.dense` (o); BloomMLP's gate-less
 * `mlp.dense_h_to_4h` (up) and `mlp.dense_4h_to_h` (down); BloomBlock's `input_layernorm` and
 * `post_attention_layernorm`. All nn.Linear, `[out, in]`.
 */
import { neoxQkv } from './split';
import type { Family } from './types';

export const bloom: Family = {
  id: 'bloom',
  label: 'BLOOM',
  modelTypes: ['bloom'],
  anchor: 'self_attention.query_key_value.weight',
  direct: { 'self_attention.dense.weight': 'o', 'mlp.dense_h_to_4h.weight': 'up', 'mlp.dense_4h_to_h.weight': 'down' },
  fused: { 'self_attention.query_key_value.weight': { role: 'qkv', split: neoxQkv } },
  named(suffix) {
    if (suffix.startsWith('input_layernorm.')) return 'attn_norm';
    if (suffix.startsWith('post_attention_layernorm.')) return 'mlp_norm';
    return undefined;
  },
};
