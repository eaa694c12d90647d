/**
 * Granite-MoE and Granite-MoE-shared (GraniteMoeForCausalLM, GraniteMoeSharedForCausalLM), from
 * transformers `models/granitemoe/modeling_granitemoe.py` and
 * `models/granitemoeshared/modular_granitemoeshared.py`: Llama-named attention, and every layer
 * `block_sparse_moe` = GraniteMoeMoE. Its experts are two GraniteMoeParallelExperts whose weight
 * is `[num_experts, output_size, input_size]` and which compute `F.linear(x, weight[e])`, so each
 * expert's slice is already `[out, in]`: `input_linear.weight` `[E, 2F, d]`, whose output
 * `chunk(2, dim=-1)` is `act(first) * second` (gate = rows 0…F, up = rows F…2F), and
 * `output_linear.weight` `[E, d, F]` (down). The router is GraniteMoeTopKGating's
 * `router.layer` = nn.Linear(input_size, num_experts) `[E, d]`. The shared variant adds
 * `shared_mlp` = GraniteMoeSharedMLP: nn.Linear `input_linear` `[2F_s, d]` chunked the same way
 * and `output_linear` `[d, F_s]`.
 */
import { LLAMA_ATTENTION, llamaNorms } from './llamaNames';
import type { Family } from './types';

export const graniteMoe: Family = {
  id: 'granitemoe',
  label: 'Granite-MoE',
  modelTypes: ['granitemoe', 'granitemoeshared'],
  anchor: 'block_sparse_moe.router.layer.weight',
  anchors: ['block_sparse_moe.input_linear.weight'],
  direct: LLAMA_ATTENTION,
  extra: { 'block_sparse_moe.router.layer.weight': 'router' },
  moe: {
    countKeys: ['num_local_experts'],
    fused: {
      'block_sparse_moe.input_linear.weight': { transposed: false, layout: 'gate_up_halves' },
      'block_sparse_moe.output_linear.weight': { transposed: false, layout: 'down' },
    },
    shared: { 'shared_mlp.input_linear.weight': 'gate_up_halves', 'shared_mlp.output_linear.weight': 'down' },
    isMoeLayer: () => true,
  },
  named: llamaNorms,
};
