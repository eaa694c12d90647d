/**
 * Falcon (models/falcon/modeling_falcon.py), under `transformer.h.N`: FalconAttention's fused
 * `self_attention.query_key_value` and output `self_attention.dense`; FalconMLP's gate-less
 * `mlp.dense_h_to_4h` (up) and `mlp.dense_4h_to_h` (down); all FalconLinear, an nn.Linear, `[out, in]`.
 *
 * `_split_heads` reads query_key_value three ways, all one layout of key/value groups
 * (qkvLayouts.ts kvGroupedQkv): new_decoder_architecture (Falcon-40B/180B, Falcon 2) views it as
 * `[…, kv_heads, heads/kv_heads + 2, head_dim]`, query heads then k then v per group; multi_query
 * (Falcon-7B) as `[…, heads + 2, head_dim]`, i.e. one group; neither (Falcon-RW) as
 * `[…, heads, 3, head_dim]`, i.e. one group per head. How many key/value heads the flags imply is
 * read by roles.ts readGeometry.
 *
 * FalconDecoderLayer's norms: `input_layernorm` alone (parallel attention, one norm),
 * `input_layernorm` + `post_attention_layernorm` (sequential), or `ln_attn` + `ln_mlp`
 * (new_decoder_architecture with num_ln_in_parallel_attn = 2).
 */
import { kvGroupedQkv } from './qkvLayouts';
import type { Family } from './types';

export const falcon: Family = {
  id: 'falcon',
  label: 'Falcon',
  // 'RefinedWeb' / 'RefinedWebModel': checkpoints from before transformers had Falcon, same tensor
  // names (convert_custom_code_checkpoint.py rewrites only config.json).
  modelTypes: ['falcon', 'RefinedWeb', 'RefinedWebModel'],
  anchor: 'self_attention.query_key_value.weight',
  direct: { 'self_attention.dense.weight': 'o', 'mlp.dense_h_to_4h.weight': 'up', 'mlp.dense_4h_to_h.weight': 'down' },
  fused: { 'self_attention.query_key_value.weight': { role: 'qkv', split: kvGroupedQkv('self_attention.query_key_value.weight') } },
  named(suffix) {
    if (suffix.startsWith('input_layernorm.') || suffix.startsWith('ln_attn.')) return 'attn_norm';
    if (suffix.startsWith('post_attention_layernorm.') || suffix.startsWith('ln_mlp.')) return 'mlp_norm';
    return undefined;
  },
};
