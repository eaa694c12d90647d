/**
 * Pieces the mixture-of-experts families share: one expert's matrix names, transformers v5's fused
 * expert tensors, and reading config.json values the layer rules use (Llama's attention, MLP and
 * norm names are in llamaNames.ts).
 */
import type { ExpertRole } from '../types';
import type { FusedExpertsSpec } from './types';

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

/**
 * DeepseekV3DecoderLayer's rule, which GLM-4.5, dots.llm1 and others copy: a layer is sparse when
 * `layer_idx >= first_k_dense_replace`; configs that list `mlp_layer_types` ("dense" / "sparse":
 * DeepSeek-V3.2, GLM-4.7-Flash, GLM-5, EXAONE-MoE) say it per layer. Undefined when the config says
 * neither.
 */
export function deepseekMoeLayer(index: number, config: Record<string, unknown>): boolean | undefined {
  const types = config.mlp_layer_types;
  if (Array.isArray(types) && typeof types[index] === 'string') return types[index] === 'sparse';
  const k = intOr(config, 'first_k_dense_replace', undefined);
  return k === undefined ? undefined : index >= k;
}
