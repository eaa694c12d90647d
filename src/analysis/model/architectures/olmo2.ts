/**
 * OLMo 2 (models/olmo2/modular_olmo2.py): OLMo's separate `q/k/v/o_proj` and `gate/up/down_proj`,
 * `[out, in]`, with two differences that change what the norms are: Olmo2Attention normalises the
 * whole q and k projections (`q_norm` `[heads·head_dim]`, `k_norm` `[kv_heads·head_dim]`), and
 * Olmo2DecoderLayer deletes input_layernorm and normalises each sublayer's *output*:
 * `post_attention_layernorm` after attention, `post_feedforward_layernorm` after the MLP. Neither
 * is an input norm, so both are plain `norm`. OLMo 3 (models/olmo3/modular_olmo3.py) and EXAONE 4
 * (models/exaone4/modular_exaone4.py, whose q/k norms are per head `[head_dim]`) keep this layout;
 * their sliding-window layers (`layer_types`) differ only at run time.
 */
import type { Family } from './types';
import { LLAMA_ATTENTION, denseMlp } from './llamaNames';

const NORMS = new Set(['post_attention_layernorm.weight', 'post_feedforward_layernorm.weight', 'self_attn.q_norm.weight', 'self_attn.k_norm.weight']);

export const olmo2: Family = {
  id: 'olmo2',
  label: 'OLMo 2',
  modelTypes: ['olmo2', 'olmo3', 'exaone4'],
  anchor: 'mlp.down_proj.weight',
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
  named: (suffix) => (NORMS.has(suffix) ? 'norm' : undefined),
};
