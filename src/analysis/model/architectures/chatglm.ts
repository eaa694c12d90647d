/**
 * ChatGLM2/3 and GLM-4 in their remote-code form (`model_type: chatglm`, layers under
 * `transformer.encoder.layers.N`). The modeling file lives on the Hub; the layout is read from
 * transformers' converter to its native GLM, models/glm/convert_glm_weights_to_hf.py:
 * - `self_attention.query_key_value` → qkv_proj, then `q = rows[:heads·hd]`, `k` the next
 *   `kv_heads·hd`, `v` the rest (convert_state_dict; kv heads = multi_query_group_num when
 *   multi_query_attention, read by roles.ts readGeometry) — qkvLayouts.ts blockQkv;
 * - `self_attention.dense` → o_proj;
 * - `mlp.dense_h_to_4h` → gate_up_proj, which GlmMLP (= Phi3MLP) chunks into gate then up;
 * - `mlp.dense_4h_to_h` → down_proj; `input_layernorm`, `post_attention_layernorm` keep their names.
 * ChatGLM-6B (the first version) names its layers differently and is not mapped.
 */
import { blockQkv } from './qkvLayouts';
import { equalBlocks } from './split';
import type { Family } from './types';

export const chatglm: Family = {
  id: 'chatglm',
  label: 'ChatGLM',
  modelTypes: ['chatglm'],
  anchor: 'self_attention.query_key_value.weight',
  direct: { 'self_attention.dense.weight': 'o', 'mlp.dense_4h_to_h.weight': 'down' },
  fused: {
    'self_attention.query_key_value.weight': { role: 'qkv', split: blockQkv('self_attention.query_key_value.weight') },
    'mlp.dense_h_to_4h.weight': { role: 'gate_up', split: (rows) => equalBlocks(['gate', 'up'], rows, 'mlp.dense_h_to_4h.weight') },
  },
  named(suffix) {
    if (suffix === 'input_layernorm.weight') return 'attn_norm';
    if (suffix === 'post_attention_layernorm.weight') return 'mlp_norm';
    return undefined;
  },
};
