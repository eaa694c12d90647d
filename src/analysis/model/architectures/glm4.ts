/**
 * GLM-4-0414 (Glm4ForCausalLM) and the language model of GLM-4.1V (Glm4vForConditionalGeneration,
 * text under `model.language_model.layers.N`), from transformers `models/glm4/modular_glm4.py`
 * (Glm4MLP, Glm4Attention, Glm4DecoderLayer) and `models/glm4v/modeling_glm4v.py`
 * (Glm4vTextDecoderLayer): Llama's q/k/v/o with q/k/v biases, the MLP's gate and up in one
 * `mlp.gate_up_proj` `[2·intermediate, d]` (Glm4MLP = Phi3MLP: `gate, up = gate_up_proj(x).chunk(2,
 * dim=-1)`, gate rows first) and `mlp.down_proj`. Four norms a layer: `input_layernorm` before
 * attention, `post_self_attn_layernorm` on its output, `post_attention_layernorm` before the MLP
 * (despite its name) and `post_mlp_layernorm` on the MLP's output.
 */
import { LLAMA_ATTENTION } from './llamaNames';
import { equalBlocks } from './split';
import type { Family } from './types';
import type { TensorRole } from '../types';

const NORMS: Record<string, TensorRole> = {
  'input_layernorm.weight': 'attn_norm',
  'post_attention_layernorm.weight': 'mlp_norm',
  'post_self_attn_layernorm.weight': 'norm',
  'post_mlp_layernorm.weight': 'norm',
};

export const glm4: Family = {
  id: 'glm4',
  label: 'GLM-4',
  modelTypes: ['glm4', 'glm4v_text'],
  anchor: 'post_self_attn_layernorm.weight',
  direct: { ...LLAMA_ATTENTION, 'mlp.down_proj.weight': 'down' },
  fused: {
    'mlp.gate_up_proj.weight': { role: 'gate_up', split: (rows) => equalBlocks(['gate', 'up'], rows, 'gate_up_proj') },
  },
  named: (suffix) => NORMS[suffix],
};
