/**
 * DeepSeek-V3 models for the GGUF forward tests: the numpy oracle's tiny ones
 * (test/oracles/moe_forward.py, as float32 tensors) and a random one whose widths are multiples of
 * 32 so that every matrix, k_b and v_b included, can be stored as Q8_0. Each is saved as
 * transformers saves it (config.json, per-expert tensors) beside its GGUF conversion
 * (test/fixtures/ggufDeepseek.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lcgTensor } from '../../../../fixtures/syntheticModel';
import { writeSafetensors } from '../../../../fixtures/safetensorsWriter';
import { MOE_ORACLE, oracleWeights } from '../executor/moeOracleModel';

export type Weights = Map<string, { shape: number[]; data: Float32Array }>;

export interface DeepseekCase {
  config: Record<string, any>;
  weights: Weights;
}

/** An oracle case with float32 weights. */
export function oracleCase(name: 'deepseek_v3' | 'deepseek_v3_no_q_lora_yarn', patch: Record<string, unknown> = {}): DeepseekCase {
  const c = MOE_ORACLE.cases[name];
  return {
    config: { ...c.config, ...patch },
    weights: new Map([...oracleWeights(c)].map(([n, w]) => [n, { shape: w.shape, data: Float32Array.from(w.data) }])),
  };
}

/** A random DeepSeek-V3 with q_lora, 3 layers (the first dense), 8 experts in 4 groups, YaRN with mscale_all_dim. */
export function q8Case(seed = 1): DeepseekCase {
  const D = 64,
    H = 2,
    qLora = 32,
    r = 32,
    nope = 32,
    rope = 16,
    v = 32,
    E = 8,
    F = 32,
    V = 64;
  const config = {
    model_type: 'deepseek_v3',
    architectures: ['DeepseekV3ForCausalLM'],
    hidden_size: D,
    num_attention_heads: H,
    num_key_value_heads: H,
    head_dim: rope,
    vocab_size: V,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    max_position_embeddings: 128,
    tie_word_embeddings: false,
    hidden_act: 'silu',
    num_hidden_layers: 3,
    intermediate_size: 64,
    moe_intermediate_size: F,
    n_routed_experts: E,
    n_shared_experts: 1,
    num_experts_per_tok: 2,
    n_group: 4,
    topk_group: 2,
    norm_topk_prob: true,
    routed_scaling_factor: 2.5,
    first_k_dense_replace: 1,
    q_lora_rank: qLora,
    kv_lora_rank: r,
    qk_rope_head_dim: rope,
    qk_nope_head_dim: nope,
    v_head_dim: v,
    rope_interleave: true,
    rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32, mscale: 1, mscale_all_dim: 1, beta_fast: 32, beta_slow: 1 },
  };
  const weights: Weights = new Map();
  let s = seed;
  const put = (name: string, shape: number[], scale: number, norm = false) => {
    const data = lcgTensor(
      ++s * 7919,
      shape.reduce((a, b) => a * b, 1),
      scale,
    );
    weights.set(name, { shape, data: norm ? data.map((x) => 1 + x) : data });
  };
  put('model.embed_tokens.weight', [V, D], 2);
  put('model.norm.weight', [D], 0.4, true);
  put('lm_head.weight', [V, D], 0.5);
  for (let l = 0; l < 3; l++) {
    const p = `model.layers.${l}.`;
    put(p + 'input_layernorm.weight', [D], 0.4, true);
    put(p + 'post_attention_layernorm.weight', [D], 0.4, true);
    put(p + 'self_attn.q_a_proj.weight', [qLora, D], 0.5);
    put(p + 'self_attn.q_a_layernorm.weight', [qLora], 0.4, true);
    put(p + 'self_attn.q_b_proj.weight', [H * (nope + rope), qLora], 0.5);
    put(p + 'self_attn.kv_a_proj_with_mqa.weight', [r + rope, D], 0.5);
    put(p + 'self_attn.kv_a_layernorm.weight', [r], 0.4, true);
    put(p + 'self_attn.kv_b_proj.weight', [H * (nope + v), r], 0.5);
    put(p + 'self_attn.o_proj.weight', [D, H * v], 0.5);
    if (l === 0) {
      put(p + 'mlp.gate_proj.weight', [64, D], 0.5);
      put(p + 'mlp.up_proj.weight', [64, D], 0.5);
      put(p + 'mlp.down_proj.weight', [D, 64], 0.5);
      continue;
    }
    put(p + 'mlp.gate.weight', [E, D], 1.5);
    put(p + 'mlp.gate.e_score_correction_bias', [E], 0.3);
    for (let e = 0; e < E; e++) {
      put(`${p}mlp.experts.${e}.gate_proj.weight`, [F, D], 0.5);
      put(`${p}mlp.experts.${e}.up_proj.weight`, [F, D], 0.5);
      put(`${p}mlp.experts.${e}.down_proj.weight`, [D, F], 0.5);
    }
    put(p + 'mlp.shared_experts.gate_proj.weight', [F, D], 0.5);
    put(p + 'mlp.shared_experts.up_proj.weight', [F, D], 0.5);
    put(p + 'mlp.shared_experts.down_proj.weight', [D, F], 0.5);
  }
  return { config, weights };
}

/** The model as a safetensors folder (config.json, float32 model.safetensors). */
export async function writeSafetensorsDeepseek(dir: string, config: Record<string, unknown>, weights: Weights): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  await writeSafetensors(
    join(dir, 'model.safetensors'),
    [...weights].map(([name, w]) => ({ name, dtype: 'F32' as const, shape: w.shape, values: w.data })),
  );
  return dir;
}
