/**
 * IBM Granite 3 (models/granite/modular_granite.py): GraniteAttention(LlamaAttention) and
 * GraniteDecoderLayer(LlamaDecoderLayer) keep Llama's tensors exactly — separate `q/k/v/o_proj`,
 * `gate/up/down_proj`, `input_layernorm`, `post_attention_layernorm` — and differ only in scalar
 * multipliers from config.json (attention, residual, embedding, logits), which no weight carries.
 */
import type { Family } from './types';
import { LLAMA_ATTENTION, denseMlp } from './llamaNames';

export const granite: Family = {
  id: 'granite',
  label: 'Granite',
  modelTypes: ['granite'],
  anchor: 'mlp.down_proj.weight',
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  named(suffix) {
    if (suffix === 'input_layernorm.weight') return 'attn_norm';
    if (suffix === 'post_attention_layernorm.weight') return 'mlp_norm';
    return undefined;
  },
};
