/**
 * Pieces the mixture-of-experts families share: Llama-style attention names, the dense MLP of their
 * non-MoE layers, transformers v5's fused expert tensors, the usual norm names, and reading
 * config.json values the layer rules use.
 */
import type { ExpertRole, MatrixRole, TensorRole } from '../types';
import type { FusedExpertsSpec } from './types';

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

/** The same names as one expert's matrices (`experts.<e>.gate_proj.weight`, a shared expert). */
export function expertMlp(module = ''): Record<string, ExpertRole> {
  const p = module ? `${module}.` : '';
  return { [`${p}gate_proj.weight`]: 'gate', [`${p}up_proj.weight`]: 'up', [`${p}down_proj.weight`]: 'down' };
}

/**
 * transformers v5 loads per-expert checkpoints into one `gate_up_proj` `[E, 2F, d]` (gate and up
 * stacked over experts, then concatenated on dim 1) and one `down_proj` `[E, d, F]`
 * (`conversion_mapping.py`: MergeModulelist(dim=0), Concatenate(dim=1)); MixtralExperts reads
 * `linear(x, gate_up_proj[e]).chunk(2, dim=-1)` and `linear(h, down_proj[e])`, so both are `[out, in]`.
 */
export function v5FusedExperts(module: string): Record<string, FusedExpertsSpec> {
  return {
    [`${module}.experts.gate_up_proj`]: { transposed: false, layout: 'gate_up_halves' },
    [`${module}.experts.down_proj`]: { transposed: false, layout: 'down' },
  };
}

/** input_layernorm feeds attention, post_attention_layernorm the MLP; q/k norms are plain norms. */
export function llamaNorms(suffix: string): TensorRole | undefined {
  if (suffix === 'input_layernorm.weight' || suffix === 'input_layernorm.bias') return 'attn_norm';
  if (suffix === 'post_attention_layernorm.weight' || suffix === 'post_attention_layernorm.bias') return 'mlp_norm';
  return undefined;
}

/** A non-negative integer config value, or `fallback` when absent (the configuration class's default). */
export function intOr(config: Record<string, unknown>, key: string, fallback: number | undefined): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;
}

/** A list of integers from config (e.g. `mlp_only_layers`), or undefined. */
export function intList(config: Record<string, unknown>, key: string): number[] | undefined {
  const v = config[key];
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x)) ? (v as number[]) : undefined;
}
