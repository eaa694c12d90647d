/**
 * Llama and its close relatives (Mistral, Qwen2, Qwen3, Gemma, Gemma 2, Gemma 3): separate
 * `q/k/v/o_proj` and `gate/up/down_proj`, all stored `[out, in]` (nn.Linear). Qwen2 adds q/k/v
 * biases, Qwen3 and Gemma 3 add per-head q/k norms, Gemma 2/3 add post-norms; head_dim may differ
 * from hidden/heads (Gemma), which readGeometry takes from config.json.
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
};

export const llama: Family = {
  id: 'llama',
  label: 'Llama',
  modelTypes: ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3', 'gemma3_text'],
  anchor: 'mlp.down_proj.weight',
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  named(suffix, all) {
    // Gemma 2/3 normalise the attention output after it ("post_attention") and feed the MLP from
    // pre_feedforward_layernorm, so there post_attention_layernorm is not the MLP's input norm.
    if (suffix === 'post_attention_layernorm.weight' && all.has('pre_feedforward_layernorm.weight')) return 'norm';
    return NORMS[suffix];
  },
};
