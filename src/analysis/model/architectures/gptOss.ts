/**
 * gpt-oss (GptOssForCausalLM), from transformers `models/gpt_oss/modeling_gpt_oss.py`: attention
 * q/k/v/o_proj with biases and per-head attention sinks `self_attn.sinks` `[heads]`; every layer's
 * `mlp` = GptOssMLP: the router `mlp.router` (GptOssTopKRouter) with `weight` `[E, d]` and `bias`
 * `[E]` (`F.linear(x, weight, bias)`), and the experts GptOssExperts, computed as `x @ W`:
 * `gate_up_proj` `[E, d, 2F]` with `gate_up_proj_bias` `[E, 2F]`, where
 * `gate, up = gate_up[..., ::2], gate_up[..., 1::2]` (interleaved: gate = even, up = odd outputs),
 * and `down_proj` `[E, F, d]` with `down_proj_bias` `[E, d]`; so each expert's slice is transposed
 * to `[out, in]`. The released checkpoints store the experts as MXFP4
 * (`gate_up_proj_blocks` `[E, 2F, d/32, 16]` + `gate_up_proj_scales` `[E, 2F, d/32]`, likewise
 * `down_proj_*`), already `[out, in]` before transformers' `convert_moe_packed_tensors` transposes
 * them into `gate_up_proj` (integrations/mxfp4.py); readRole decodes them (mxfp4.ts).
 */
import { LLAMA_ATTENTION, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const gptOss: Family = {
  id: 'gpt_oss',
  label: 'gpt-oss',
  modelTypes: ['gpt_oss'],
  anchor: 'mlp.router.weight',
  direct: LLAMA_ATTENTION,
  extra: { 'mlp.router.weight': 'router' },
  moe: {
    countKeys: ['num_local_experts'],
    fused: {
      'mlp.experts.gate_up_proj': { transposed: true, layout: 'gate_up_interleaved' },
      'mlp.experts.down_proj': { transposed: true, layout: 'down' },
      'mlp.experts.gate_up_proj_blocks': { transposed: false, layout: 'gate_up_interleaved', mxfp4Scales: 'mlp.experts.gate_up_proj_scales' },
      'mlp.experts.down_proj_blocks': { transposed: false, layout: 'down', mxfp4Scales: 'mlp.experts.down_proj_scales' },
    },
    auxiliary: {
      'mlp.router.bias': 'router_bias',
      'mlp.experts.gate_up_proj_bias': 'expert_bias',
      'mlp.experts.down_proj_bias': 'expert_bias',
      'mlp.experts.gate_up_proj_scales': 'experts',
      'mlp.experts.down_proj_scales': 'experts',
      'self_attn.sinks': 'attn_sinks',
    },
    isMoeLayer: () => true,
  },
  named: llamaNorms,
};
