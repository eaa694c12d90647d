/**
 * The mixture-of-experts part of a decoder configuration: which layers route, over how many
 * experts, with which routing rule, read from config.json the way each family's transformers
 * modeling code reads it.
 *
 * - Mixtral (`models/mixtral/modeling_mixtral.py`, MixtralSparseMoeBlock): router logits = x·Wᵣᵀ,
 *   softmax in float32, top `num_experts_per_tok`, the k weights always renormalised to sum 1;
 *   `num_local_experts` experts of width `intermediate_size`; every layer routes.
 * - Qwen2-MoE (`models/qwen2_moe/modeling_qwen2_moe.py`, Qwen2MoeSparseMoeBlock): the same softmax
 *   and top-k, renormalised only when `norm_topk_prob`; experts of width `moe_intermediate_size`;
 *   plus a shared expert of width `shared_expert_intermediate_size` scaled by
 *   sigmoid(x·`shared_expert_gate`ᵀ). Qwen2MoeDecoderLayer routes layer ℓ when ℓ is not in
 *   `mlp_only_layers` and (ℓ + 1) % `decoder_sparse_step` == 0; other layers keep a dense MLP of
 *   width `intermediate_size`.
 * - Qwen3-MoE (`models/qwen3_moe/modeling_qwen3_moe.py`, Qwen3MoeSparseMoeBlock): Qwen2-MoE's
 *   routing without the shared expert, same layer rule.
 * - OLMoE (`models/olmoe/modeling_olmoe.py`, OlmoeSparseMoeBlock): the same softmax top-k with
 *   `norm_topk_prob`, experts of width `intermediate_size`, every layer routes.
 * - gpt-oss (`models/gpt_oss/modular_gpt_oss.py`): GptOssTopKRouter takes the top k of the router
 *   logits x·Wᵣᵀ + b and softmaxes those k values; GptOssExperts has biases on gate, up and down
 *   and the clamped GLU (up.clamp(−7, 7) + 1)·g·σ(1.702·g) with g = gate.clamp(max = 7) (alpha and
 *   limit are constants of the class); `num_local_experts` experts of width `intermediate_size`,
 *   every layer routes.
 * - DeepSeek-V3 (`models/deepseek_v3/modular_deepseek_v3.py`, DeepseekV3MoE.route_tokens_to_experts):
 *   scores = sigmoid(x·Wᵣᵀ); the choice uses scores + `e_score_correction_bias`: the experts split
 *   into `n_group` groups, each scored by the sum of its two best choice values, the best
 *   `topk_group` groups kept (the others' choice values set to 0), then the top k; the weights are
 *   the scores (without the bias) of the chosen experts, divided by their sum + 1e-20 when
 *   `norm_topk_prob`, times `routed_scaling_factor`; `n_shared_experts` shared experts of width
 *   `moe_intermediate_size` as one MLP, no gate; layers below `first_k_dense_replace` are dense.
 * - GLM-4.5 (`models/glm4_moe/modular_glm4_moe.py`, Glm4MoeTopkRouter = DeepseekV3TopkRouter, Glm4MoeMoE):
 *   DeepSeek-V3's routing and shared experts with Glm4MoeConfig's defaults (one group, scaling 1,
 *   first_k_dense_replace 1); its attention is Llama's (config.ts).
 * - DeepSeek-V2 (`models/deepseek_v2/modular_deepseek_v2.py`, DeepseekV2Moe.route_tokens_to_experts):
 *   softmax scores; `topk_method` "greedy" takes the top k, "group_limited_greedy" first keeps the
 *   `topk_group` groups with the largest single score (the others' scores set to 0); the weights are
 *   the chosen scores times `routed_scaling_factor` (transformers does not renormalise them, whatever
 *   `norm_topk_prob` says); shared experts and dense layers as in V3.
 */

export interface MoeConfig {
  numExperts: number;
  topK: number;
  /** Divide the k selected softmax weights by their sum. */
  normTopK: boolean;
  /** Intermediate width of one routed expert. */
  expertSize: number;
  /** Intermediate width of the shared expert (0: none). */
  sharedSize: number;
  /** The shared expert's output is scaled by sigmoid(x·gᵀ) (Qwen2-MoE's `shared_expert_gate`). */
  sharedGate: boolean;
  /** Per layer: true where the MLP is the mixture of experts, false where it is a dense MLP. */
  moeLayers: boolean[];
  /** softmax over all experts then top k (Mixtral, Qwen, OLMoE), or top k of the logits then softmax over those k (gpt-oss). */
  routing: 'softmax_topk' | 'topk_softmax' | 'sigmoid_grouped' | 'softmax_grouped';
  /** DeepSeek: expert groups, groups kept, the weight multiplier; 1, 1, 1 elsewhere. */
  groups: number;
  topkGroup: number;
  scale: number;
  /** The router has a bias (gpt-oss). */
  routerBias: boolean;
  /** Expert MLP: SwiGLU without biases, or gpt-oss's clamped GLU with biases. */
  expertAct: 'swiglu' | 'gpt_oss';
}

/** GptOssExperts' constants (`self.alpha = 1.702`, `self.limit = 7.0`). */
export const GPT_OSS_GLU = { alpha: 1.702, limit: 7 };

export const MOE_MODEL_TYPES = ['mixtral', 'qwen2_moe', 'qwen3_moe', 'olmoe', 'gpt_oss', 'deepseek_v2', 'deepseek_v3', 'glm4_moe'] as const;

/** Mixture-of-experts families the role map reads but the executor cannot run yet, and what is missing. */
export const UNSUPPORTED_MOE: Record<string, string> = {
  llama4: 'chunked attention, NoPE layers and interleaved dense/MoE layers with a sigmoid router are not implemented in the executor',
  llama4_text: 'chunked attention, NoPE layers and interleaved dense/MoE layers with a sigmoid router are not implemented in the executor',
  phimoe: 'sparsemixer routing is not implemented in the executor',
  granitemoe: 'Granite multipliers (embedding, residual, attention, logits) are not implemented in the executor',
  granitemoeshared: 'Granite multipliers (embedding, residual, attention, logits) are not implemented in the executor',
};

function int(cfg: Record<string, unknown>, key: string, fallback?: number): number {
  const v = cfg[key];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (fallback !== undefined && (v === undefined || v === null)) return fallback;
  throw new Error(`config.json has no non-negative integer "${key}", which running a mixture-of-experts model needs`);
}

/** The MoE configuration of a supported MoE model type, or null for a dense model type. */
export function moeConfigFromJson(cfg: Record<string, unknown>, modelType: string, numLayers: number): MoeConfig | null {
  if (!(MOE_MODEL_TYPES as readonly string[]).includes(modelType)) return null;
  const all = () => Array.from({ length: numLayers }, () => true);
  const softmaxRouting = { routing: 'softmax_topk', routerBias: false, expertAct: 'swiglu', groups: 1, topkGroup: 1, scale: 1 } as const;
  let out: MoeConfig;
  switch (modelType) {
    case 'mixtral':
      out = {
        numExperts: int(cfg, 'num_local_experts'),
        topK: int(cfg, 'num_experts_per_tok', 2),
        normTopK: true,
        expertSize: int(cfg, 'intermediate_size'),
        sharedSize: 0,
        sharedGate: false,
        moeLayers: all(),
        ...softmaxRouting,
      };
      break;
    case 'gpt_oss':
      out = {
        numExperts: int(cfg, 'num_local_experts'),
        topK: int(cfg, 'num_experts_per_tok'),
        normTopK: false,
        expertSize: int(cfg, 'intermediate_size'),
        sharedSize: 0,
        sharedGate: false,
        moeLayers: all(),
        routing: 'topk_softmax',
        routerBias: true,
        expertAct: 'gpt_oss',
        groups: 1,
        topkGroup: 1,
        scale: 1,
      };
      break;
    case 'deepseek_v3':
    case 'glm4_moe': {
      // Absent keys take DeepseekV3Config's defaults (configuration_deepseek_v3.py) or Glm4MoeConfig's
      // (configuration_glm4_moe.py: n_group = topk_group = 1, routed_scaling_factor 1, first_k_dense_replace 1).
      const glm = modelType === 'glm4_moe';
      const E = int(cfg, 'n_routed_experts');
      const first = int(cfg, 'first_k_dense_replace', glm ? 1 : 3);
      const f = int(cfg, 'moe_intermediate_size');
      out = {
        numExperts: E,
        topK: int(cfg, 'num_experts_per_tok', 8),
        normTopK: cfg.norm_topk_prob !== false,
        expertSize: f,
        sharedSize: f * int(cfg, 'n_shared_experts', 1),
        sharedGate: false,
        moeLayers: Array.from({ length: numLayers }, (_, l) => l >= first),
        routing: 'sigmoid_grouped',
        routerBias: false,
        expertAct: 'swiglu',
        groups: int(cfg, 'n_group', glm ? 1 : 8),
        topkGroup: int(cfg, 'topk_group', glm ? 1 : 4),
        scale: typeof cfg.routed_scaling_factor === 'number' ? cfg.routed_scaling_factor : glm ? 1 : 2.5,
      };
      if (out.groups < 1 || E % out.groups !== 0 || E / out.groups < 2 || out.topkGroup < 1 || out.topkGroup > out.groups)
        throw new Error(`config.json n_group = ${out.groups}, topk_group = ${out.topkGroup} do not split ${E} experts into groups of at least 2`);
      break;
    }
    case 'deepseek_v2': {
      // Absent keys take DeepseekV2Config's defaults (modular_deepseek_v2.py).
      const E = int(cfg, 'n_routed_experts');
      const f = int(cfg, 'moe_intermediate_size');
      const first = int(cfg, 'first_k_dense_replace', 0);
      const method = String(cfg.topk_method ?? 'greedy');
      if (method !== 'greedy' && method !== 'group_limited_greedy')
        throw new Error(`config.json topk_method "${method}" is not supported for deepseek_v2 (supported: greedy, group_limited_greedy)`);
      const grouped = method === 'group_limited_greedy';
      out = {
        numExperts: E,
        topK: int(cfg, 'num_experts_per_tok'),
        normTopK: false,
        expertSize: f,
        sharedSize: f * int(cfg, 'n_shared_experts', 2),
        sharedGate: false,
        moeLayers: Array.from({ length: numLayers }, (_, l) => l >= first),
        routing: 'softmax_grouped',
        routerBias: false,
        expertAct: 'swiglu',
        groups: grouped ? int(cfg, 'n_group') : 1,
        topkGroup: grouped ? int(cfg, 'topk_group') : 1,
        scale: typeof cfg.routed_scaling_factor === 'number' ? cfg.routed_scaling_factor : 1,
      };
      if (out.groups < 1 || E % out.groups !== 0 || out.topkGroup < 1 || out.topkGroup > out.groups)
        throw new Error(`config.json n_group = ${out.groups}, topk_group = ${out.topkGroup} do not split ${E} experts into groups`);
      break;
    }
    case 'olmoe':
      out = {
        numExperts: int(cfg, 'num_experts'),
        topK: int(cfg, 'num_experts_per_tok'),
        normTopK: cfg.norm_topk_prob === true,
        expertSize: int(cfg, 'intermediate_size'),
        sharedSize: 0,
        sharedGate: false,
        moeLayers: all(),
        ...softmaxRouting,
      };
      break;
    default: {
      // qwen2_moe, qwen3_moe
      const step = int(cfg, 'decoder_sparse_step', 1);
      const only = Array.isArray(cfg.mlp_only_layers) ? (cfg.mlp_only_layers as unknown[]) : [];
      const E = int(cfg, 'num_experts');
      const shared = modelType === 'qwen2_moe' ? int(cfg, 'shared_expert_intermediate_size', 0) : 0;
      out = {
        numExperts: E,
        topK: int(cfg, 'num_experts_per_tok'),
        normTopK: cfg.norm_topk_prob === true,
        expertSize: int(cfg, 'moe_intermediate_size'),
        sharedSize: shared,
        sharedGate: shared > 0,
        moeLayers: Array.from({ length: numLayers }, (_, l) => !only.includes(l) && E > 0 && step > 0 && (l + 1) % step === 0),
        ...softmaxRouting,
      };
    }
  }
  if (out.numExperts > 0 && (out.topK < 1 || out.topK > out.numExperts))
    throw new Error(`config.json num_experts_per_tok = ${out.topK} must be between 1 and the number of experts (${out.numExperts})`);
  return out;
}

/** Float32 bytes of one routed layer's expert, shared-expert and router weights. */
export function moeLayerBytes(moe: MoeConfig, hiddenSize: number): number {
  const biases = moe.expertAct === 'gpt_oss' ? 4 * moe.numExperts * (2 * moe.expertSize + hiddenSize + 1) : 0;
  return 4 * hiddenSize * (3 * moe.numExperts * moe.expertSize + 3 * moe.sharedSize + moe.numExperts + (moe.sharedGate ? 1 : 0)) + biases;
}

/**
 * The executor computes every expert on every token and weights the outputs by the top-k mask
 * (exact: an unselected expert gets weight 0 and zero gradient, as in the sparse loop of
 * transformers): E / k times the compute of the k experts a token actually uses.
 */
export function moeCostNote(moe: MoeConfig): string {
  const factor = moe.numExperts / moe.topK;
  return (
    `mixture of experts: all ${moe.numExperts} experts run on every token and the top ${moe.topK} are kept by weight, ` +
    `so the expert MLPs cost ${factor.toFixed(factor < 10 ? 1 : 0)}× what the ${moe.topK} routed experts alone would`
  );
}
