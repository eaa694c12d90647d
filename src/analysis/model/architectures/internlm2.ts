/**
 * InternLM2 / 2.5 (remote code, `model_type: internlm2`). Its modeling_internlm2.py lives on the
 * Hugging Face Hub, not on GitHub; the layout below is read from InternLM's own converter to Llama
 * names, InternLM/InternLM tools/convert2llama.py:
 * - `attention.wqkv` is `rearrange(v, '(h gs d) dim -> h gs d dim', gs=2 + num_key_value_groups,
 *   d=head_dim)` then `split([num_key_value_groups, 1, 1], dim=1)`: per key/value head, its query
 *   heads, then k, then v (qkvLayouts.ts kvGroupedQkv);
 * - `attention.wo` → o_proj; `feed_forward.w1` → gate_proj, `w3` → up_proj, `w2` → down_proj;
 * - `attention_norm` → input_layernorm, `ffn_norm` → post_attention_layernorm;
 * - `model.tok_embeddings` → embed_tokens, `output` → lm_head.
 */
import { kvGroupedQkv } from './qkvLayouts';
import type { Family } from './types';

export const internlm2: Family = {
  id: 'internlm2',
  label: 'InternLM2',
  modelTypes: ['internlm2'],
  anchor: 'attention.wqkv.weight',
  direct: { 'attention.wo.weight': 'o', 'feed_forward.w1.weight': 'gate', 'feed_forward.w3.weight': 'up', 'feed_forward.w2.weight': 'down' },
  fused: { 'attention.wqkv.weight': { role: 'qkv', split: kvGroupedQkv('attention.wqkv.weight') } },
  named(suffix) {
    if (suffix === 'attention_norm.weight') return 'attn_norm';
    if (suffix === 'ffn_norm.weight') return 'mlp_norm';
    return undefined;
  },
};
