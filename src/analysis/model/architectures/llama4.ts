/**
 * Llama 4 (Llama4ForConditionalGeneration, Llama4ForCausalLM), from transformers
 * `models/llama4/modeling_llama4.py`: q/k/v/o_proj attention; a layer's `feed_forward` is
 * Llama4TextMoe when `layer_idx in config.moe_layers` — which Llama4TextConfig sets, when not
 * given, to `range(interleave_moe_layer_step - 1, num_hidden_layers, interleave_moe_layer_step)` —
 * and a dense Llama4TextMLP `feed_forward.{gate,up,down}_proj` (intermediate_size_mlp) otherwise.
 * Llama4TextMoe holds the router `feed_forward.router` = nn.Linear(hidden, num_local_experts)
 * `[E, d]`, one `feed_forward.shared_expert` (Llama4TextMLP) and Llama4TextExperts, computed as
 * `x @ W`: `gate_up_proj` `[E, d, 2F]` with `gate, up = gate_up.chunk(2, dim=-1)` (first F outputs
 * gate) and `down_proj` `[E, F, d]` — each expert's slice transposed to `[out, in]`.
 */
import { expertMlp, intList, intOr } from './moeCommon';
import { LLAMA_ATTENTION, denseMlp, llamaNorms } from './llamaNames';
import type { Family } from './types';

function llama4MoeLayer(index: number, config: Record<string, unknown>): boolean | undefined {
  const listed = intList(config, 'moe_layers');
  if (listed) return listed.includes(index);
  const layers = intOr(config, 'num_hidden_layers', undefined);
  const step = intOr(config, 'interleave_moe_layer_step', 1) || 1;
  if (layers === undefined) return undefined;
  return index >= step - 1 && (index - (step - 1)) % step === 0;
}

export const llama4: Family = {
  id: 'llama4',
  label: 'Llama 4',
  modelTypes: ['llama4', 'llama4_text'],
  anchor: 'feed_forward.router.weight',
  anchors: ['feed_forward.down_proj.weight'],
  direct: { ...LLAMA_ATTENTION, ...denseMlp('feed_forward') },
  extra: { 'feed_forward.router.weight': 'router' },
  moe: {
    countKeys: ['num_local_experts'],
    fused: {
      'feed_forward.experts.gate_up_proj': { transposed: true, layout: 'gate_up_halves' },
      'feed_forward.experts.down_proj': { transposed: true, layout: 'down' },
    },
    shared: expertMlp('feed_forward.shared_expert'),
    isMoeLayer: llama4MoeLayer,
  },
  named: llamaNorms,
};
