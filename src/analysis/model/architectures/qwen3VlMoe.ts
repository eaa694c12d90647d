/**
 * The language model of Qwen3-VL-MoE (Qwen3VLMoeForConditionalGeneration: Qwen3-VL-30B-A3B,
 * 235B-A22B), from transformers `models/qwen3_vl_moe/modular_qwen3_vl_moe.py`
 * (Qwen3VLMoeTextExperts, Qwen3VLMoeTextSparseMoeBlock, Qwen3VLMoeTextDecoderLayer), under
 * `model.language_model.layers.N`: Qwen3 attention (q/k/v/o, per-head q_norm / k_norm) and, in the
 * layers `Qwen3MoeDecoderLayer`'s rule makes sparse (qwen2Moe.ts qwenMoeLayer), the router
 * `mlp.gate.weight` `[E, d]` and the experts fused on disk as `mlp.experts.gate_up_proj`
 * `[E, d, 2·moe_intermediate]` and `mlp.experts.down_proj` `[E, moe_intermediate, d]`: the released
 * checkpoints store them `[in, out]` (`gate_up = torch.bmm(x, gate_up_proj)`,
 * `gate, up = gate_up.chunk(2, dim=-1)`), and transformers v5 turns them to `[out, in]` on load
 * (conversion_mapping.py qwen3_vl_moe: Transpose(1, 2, check_dims=True)), which a re-saved checkpoint
 * keeps, so the orientation is read from the shapes. No shared expert.
 */
import { qwenMoeLayer } from './qwen2Moe';
import { LLAMA_ATTENTION, denseMlp, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const qwen3VlMoe: Family = {
  id: 'qwen3_vl_moe',
  label: 'Qwen3-VL-MoE',
  modelTypes: ['qwen3_vl_moe', 'qwen3_vl_moe_text'],
  anchor: 'mlp.experts.gate_up_proj',
  anchors: ['post_attention_layernorm.weight'],
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  extra: { 'mlp.gate.weight': 'router' },
  moe: {
    countKeys: ['num_experts'],
    fused: {
      'mlp.experts.gate_up_proj': { transposed: 'byShape', layout: 'gate_up_halves' },
      'mlp.experts.down_proj': { transposed: 'byShape', layout: 'down' },
    },
    isMoeLayer: qwenMoeLayer,
  },
  named: (suffix) => llamaNorms(suffix) ?? (suffix === 'self_attn.q_norm.weight' || suffix === 'self_attn.k_norm.weight' ? 'norm' : undefined),
};
