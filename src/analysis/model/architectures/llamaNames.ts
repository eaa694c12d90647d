/**
 * Llama's tensor names, which most families keep: attention `self_attn.{q,k,v,o}_proj.weight` and a
 * gated MLP `{gate,up,down}_proj.weight`, all nn.Linear `[out, in]` (transformers' LlamaAttention,
 * LlamaMLP and their copies), and the two pre-norms.
 */
import type { MatrixRole, TensorRole } from '../types';

/** `self_attn.{q,k,v,o}_proj.weight`, nn.Linear `[out, in]` (LlamaAttention and its copies). */
export const LLAMA_ATTENTION: Readonly<Record<string, MatrixRole>> = {
  'self_attn.q_proj.weight': 'q',
  'self_attn.k_proj.weight': 'k',
  'self_attn.v_proj.weight': 'v',
  'self_attn.o_proj.weight': 'o',
};

/** A dense gated MLP under `module` (`mlp`, `feed_forward`): `{gate,up,down}_proj.weight`. */
export function denseMlp(module: string): Record<string, MatrixRole> {
  return { [`${module}.gate_proj.weight`]: 'gate', [`${module}.up_proj.weight`]: 'up', [`${module}.down_proj.weight`]: 'down' };
}

/** input_layernorm feeds attention, post_attention_layernorm the MLP; q/k norms are plain norms. */
export function llamaNorms(suffix: string): TensorRole | undefined {
  if (suffix === 'input_layernorm.weight' || suffix === 'input_layernorm.bias') return 'attn_norm';
  if (suffix === 'post_attention_layernorm.weight' || suffix === 'post_attention_layernorm.bias') return 'mlp_norm';
  return undefined;
}
