/**
 * Qwen2-VL and Qwen2.5-VL (models/qwen2_5_vl/modular_qwen2_5_vl.py and modeling_qwen2_5_vl.py): the
 * language model's Qwen2_5_VLDecoderLayer is Qwen2's — `self_attn.q/k/v_proj` (with biases),
 * `o_proj`, Qwen2MLP `gate/up/down_proj`, `input_layernorm`, `post_attention_layernorm` — saved as
 * `model.layers.N` or, since `_checkpoint_conversion_mapping`
 * (`^model(?!\.(language_model|visual))` → `model.language_model`), as `model.language_model.layers.N`.
 * The vision tower (`visual.*` / `model.visual.*`) has blocks with the same `mlp.down_proj` name
 * (Qwen2_5_VLMLP; depth 32 by default in Qwen2_5_VLVisionConfig), which can outnumber the decoder
 * layers; roles.ts findLayerPrefix never takes it.
 */
import type { Family } from './types';
import { LLAMA_ATTENTION, denseMlp } from './llamaNames';

export const qwen2Vl: Family = {
  id: 'qwen2_vl',
  label: 'Qwen2-VL',
  modelTypes: ['qwen2_vl', 'qwen2_5_vl', 'qwen2_vl_text', 'qwen2_5_vl_text'],
  anchor: 'mlp.down_proj.weight',
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  named(suffix) {
    if (suffix === 'input_layernorm.weight') return 'attn_norm';
    if (suffix === 'post_attention_layernorm.weight') return 'mlp_norm';
    return undefined;
  },
};
