/**
 * DeepSeek-V2 and DeepSeek-V3 (DeepseekV2ForCausalLM, DeepseekV3ForCausalLM), from transformers
 * `models/deepseek_v2/modular_deepseek_v2.py` and `models/deepseek_v3/modular_deepseek_v3.py`.
 *
 * Attention is multi-head latent attention (DeepseekV3Attention): with `q_lora_rank` set,
 * `q = q_b_proj(q_a_layernorm(q_a_proj(x)))` (`q_a_proj` `[q_lora_rank, d]`, `q_b_proj`
 * `[H·(qk_nope + qk_rope), q_lora_rank]`), else one `q_proj` `[H·(qk_nope + qk_rope), d]`;
 * `kv_a_proj_with_mqa` `[kv_lora_rank + qk_rope, d]`, whose first kv_lora_rank outputs go through
 * `kv_a_layernorm` into `kv_b_proj` `[H·(qk_nope + v_head), kv_lora_rank]`; `o_proj`
 * `[d, H·v_head]`. The factors are their own matrix kinds (q_a, q_b, kv_a, kv_b); q_proj is q and
 * o_proj is o.
 *
 * The MLP is dense (`mlp.{gate,up,down}_proj`, DeepseekV3MLP) for `layer_idx < first_k_dense_replace`
 * and DeepseekV3MoE after: the router `mlp.gate.weight` `[n_routed_experts, d]` (DeepseekV3TopkRouter;
 * V2 an nn.Linear), V3's `mlp.gate.e_score_correction_bias` `[n_routed_experts]`, routed experts
 * `mlp.experts.<e>.{gate,up,down}_proj` on disk (transformers v5 fuses them; conversion_mapping.py:
 * deepseek_v2/v3 = qwen2_moe), and `mlp.shared_experts`, one MLP of intermediate size
 * `moe_intermediate_size · n_shared_experts` standing for the n_shared_experts shared experts.
 * DeepSeek-V3's checkpoint carries a multi-token-prediction layer `model.layers.61` that the model
 * does not load (`DeepseekV3Model._keys_to_ignore_on_load_unexpected = [r"model\.layers\.61.*"]`).
 *
 * DeepSeek-V3.2 (`models/deepseek_v32/modular_deepseek_v32.py`), GLM-4.7-Flash (`glm4_moe_lite`,
 * `models/glm4_moe_lite/modular_glm4_moe_lite.py`) and GLM-5 (`glm_moe_dsa`,
 * `models/glm_moe_dsa/modular_glm_moe_dsa.py`) keep these names. V3.2 and GLM-5 add the sparse-attention
 * indexer `self_attn.indexer.{wq_b, wk, k_norm, weights_proj}` (listed with the layer's other tensors),
 * and all three say which layers are dense in `mlp_layer_types` ("dense" / "sparse"), which their
 * configs derive from `first_k_dense_replace` when absent. Kimi K2 and K2.5's language model
 * (`kimi_k2`, models/kimi_k25: a DeepseekV3Model under the wrapper) and Mistral 4 (models/mistral4:
 * latent attention, experts stored fused as `mlp.experts.gate_up_proj`, no selection bias) keep them too.
 */
import type { LayerInfo, RoleMatrixRef } from '../types';
import type { MatrixKind } from '../types';
import { deepseekMoeLayer, expertMlp, v5FusedExperts } from './moeCommon';
import { denseMlp, llamaNorms } from './llamaNames';
import type { Family, MoeSpec } from './types';

function positive(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** The factor shapes config.json implies, checked against every layer; a mismatch is a note naming the tensor. */
function checkMla(layers: readonly LayerInfo[], config: Record<string, unknown>, notes: Set<string>): void {
  const H = positive(config, 'num_attention_heads');
  const d = positive(config, 'hidden_size');
  const qLora = positive(config, 'q_lora_rank');
  const kvLora = positive(config, 'kv_lora_rank');
  const rope = positive(config, 'qk_rope_head_dim');
  const nope = positive(config, 'qk_nope_head_dim');
  const vHead = positive(config, 'v_head_dim');
  const want = (ref: RoleMatrixRef<MatrixKind> | undefined, shape: (number | undefined)[], how: string) => {
    if (!ref || shape.some((x) => x === undefined)) return;
    if (ref.shape[0] !== shape[0] || ref.shape[1] !== shape[1])
      notes.add(`Layer ${ref.layer}: '${ref.source.tensor}' is [${ref.shape.join(', ')}] but config.json implies [${shape.join(', ')}] (${how}).`);
  };
  const qk = nope !== undefined && rope !== undefined ? nope + rope : undefined;
  for (const l of layers) {
    const x = l.extra ?? {};
    want(x.q_a, [qLora, d], 'q_lora_rank × hidden_size');
    want(x.q_b, [H && qk && H * qk, qLora], 'heads·(qk_nope_head_dim + qk_rope_head_dim) × q_lora_rank');
    want(l.roles.q, [H && qk && H * qk, d], 'heads·(qk_nope_head_dim + qk_rope_head_dim) × hidden_size');
    want(x.kv_a, [kvLora && rope && kvLora + rope, d], 'kv_lora_rank + qk_rope_head_dim × hidden_size');
    want(x.kv_b, [H && nope && vHead && H * (nope + vHead), kvLora], 'heads·(qk_nope_head_dim + v_head_dim) × kv_lora_rank');
    want(l.roles.o, [d, H && vHead && H * vHead], 'hidden_size × heads·v_head_dim');
  }
}

/** DeepseekV3MoE's storage, which GLM-4.5 and the other DeepSeek-style MoE families keep (glm4Moe.ts). */
export const deepseekExperts: MoeSpec = {
  countKeys: ['n_routed_experts', 'num_local_experts'],
  perExpert: { prefix: 'mlp.experts.', names: expertMlp() },
  fused: v5FusedExperts('mlp'),
  shared: expertMlp('mlp.shared_experts'),
  sharedCountKey: 'n_shared_experts',
  auxiliary: { 'mlp.gate.e_score_correction_bias': 'router_bias' },
  isMoeLayer: deepseekMoeLayer,
};

export const deepseek: Family = {
  id: 'deepseek_v3',
  label: 'DeepSeek',
  modelTypes: ['deepseek_v3', 'deepseek_v2', 'deepseek_v32', 'glm4_moe_lite', 'glm_moe_dsa', 'kimi_k2', 'mistral4'],
  anchor: 'self_attn.kv_a_proj_with_mqa.weight',
  direct: { 'self_attn.q_proj.weight': 'q', 'self_attn.o_proj.weight': 'o', ...denseMlp('mlp') },
  extra: {
    'self_attn.q_a_proj.weight': 'q_a',
    'self_attn.q_b_proj.weight': 'q_b',
    'self_attn.kv_a_proj_with_mqa.weight': 'kv_a',
    'self_attn.kv_b_proj.weight': 'kv_b',
    'mlp.gate.weight': 'router',
  },
  mla: true,
  moe: deepseekExperts,
  layersBeyondConfig:
    'a multi-token-prediction layer (num_nextn_predict_layers), which the model does not run (transformers ignores it on load, as model.layers.61.* of DeepSeek-V3); its tensors are listed under Other.',
  checkLayers: checkMla,
  named: (suffix) => llamaNorms(suffix) ?? (suffix === 'self_attn.q_a_layernorm.weight' || suffix === 'self_attn.kv_a_layernorm.weight' ? 'norm' : undefined),
};
