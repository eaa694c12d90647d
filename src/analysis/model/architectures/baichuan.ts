/**
 * Baichuan and Baichuan 2 (remote code, `model_type: baichuan`; the modeling file lives on the Hub).
 * Read from llama.cpp's convert_hf_to_gguf.py BaichuanModel.modify_tensors (ggml-org/llama.cpp),
 * which matches `model.layers.{bid}.self_attn.W_pack.weight` and cuts it into three equal row blocks,
 * q = part 0, k = part 1, v = part 2 (`_reverse_hf_part`: `r = rows // 3; weights[r·n : r·n + r]`),
 * the same split as the remote code's `proj.unflatten(-1, (3, hidden_size))`. The other tensors are
 * Llama's: `o_proj`, `mlp.gate/up/down_proj`, `input_layernorm`, `post_attention_layernorm`.
 */
import { equalBlocks } from './split';
import type { Family } from './types';

export const baichuan: Family = {
  id: 'baichuan',
  label: 'Baichuan',
  modelTypes: ['baichuan'],
  anchor: 'self_attn.W_pack.weight',
  direct: { 'self_attn.o_proj.weight': 'o', 'mlp.gate_proj.weight': 'gate', 'mlp.up_proj.weight': 'up', 'mlp.down_proj.weight': 'down' },
  fused: { 'self_attn.W_pack.weight': { role: 'qkv', split: (rows) => equalBlocks(['q', 'k', 'v'], rows, 'self_attn.W_pack.weight') } },
  named(suffix) {
    if (suffix === 'input_layernorm.weight') return 'attn_norm';
    if (suffix === 'post_attention_layernorm.weight') return 'mlp_norm';
    return undefined;
  },
};
