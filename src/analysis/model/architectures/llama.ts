/**
 * Llama and its close relatives (Mistral, Qwen2, Qwen3, Gemma, Gemma 2, Gemma 3, ERNIE 4.5, Hunyuan
 * dense, the language model of Qwen3-VL): separate `q/k/v/o_proj` and `gate/up/down_proj`, all stored
 * `[out, in]` (nn.Linear). Qwen2 adds q/k/v biases and ERNIE 4.5 biases everywhere (`use_bias`,
 * models/ernie4_5/modular_ernie4_5.py); Qwen3, Qwen3-VL (models/qwen3_vl/modeling_qwen3_vl.py
 * Qwen3VLTextAttention, under `model.language_model.layers.N`) and Gemma 3 add per-head q/k norms,
 * Hunyuan names them `query_layernorm` / `key_layernorm` (models/hunyuan_v1_dense/
 * modular_hunyuan_v1_dense.py); Gemma 2/3 add post-norms; head_dim may differ from hidden/heads
 * (Gemma), which readGeometry takes from config.json. SmolLM3, Seed-OSS (q/k/v biases), Helium,
 * Ministral and the language model of Ministral 3 (`ministral3` inside Mistral3ForConditionalGeneration)
 * keep Llama's names exactly (models/smollm3, seed_oss, helium, ministral, ministral3); their
 * differences (layers without RoPE, interleaved RoPE, query scaling) are in the forward pass only.
 */
import type { TensorRole } from '../types';
import type { Family } from './types';
import { LLAMA_ATTENTION, denseMlp } from './llamaNames';

const NORMS: Record<string, TensorRole> = {
  'input_layernorm.weight': 'attn_norm',
  'post_attention_layernorm.weight': 'mlp_norm',
  'pre_feedforward_layernorm.weight': 'mlp_norm',
  'post_feedforward_layernorm.weight': 'norm',
  'self_attn.q_norm.weight': 'norm',
  'self_attn.k_norm.weight': 'norm',
  'self_attn.query_layernorm.weight': 'norm',
  'self_attn.key_layernorm.weight': 'norm',
};

export const llama: Family = {
  id: 'llama',
  label: 'Llama',
  modelTypes: [
    'llama',
    'mistral',
    'qwen2',
    'qwen3',
    'gemma',
    'gemma2',
    'gemma3',
    'gemma3_text',
    'ernie4_5',
    'hunyuan_v1_dense',
    'qwen3_vl_text',
    'smollm3',
    'seed_oss',
    'helium',
    'ministral',
    'ministral3',
  ],
  anchor: 'mlp.down_proj.weight',
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  named(suffix, all) {
    // Gemma 2/3 normalise the attention output after it ("post_attention") and feed the MLP from
    // pre_feedforward_layernorm, so there post_attention_layernorm is not the MLP's input norm.
    if (suffix === 'post_attention_layernorm.weight' && all.has('pre_feedforward_layernorm.weight')) return 'norm';
    return NORMS[suffix];
  },
};
