/**
 * Small random mixture-of-experts models of the families whose GGUF files the executor runs, each
 * as transformers saves it (config.json with the family's routing keys, per-expert tensors under the
 * Hugging Face names) and as convert_hf_to_gguf.py writes it (test/fixtures/ggufLlama.ts). The
 * configs hold the settings llama.cpp hard-codes for the architecture (src/models/<arch>.cpp), so
 * the two files describe the same model; widths are multiples of 32 so matrices can be Q8_0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lcgTensor } from '../../../../fixtures/syntheticModel';
import { writeSafetensors } from '../../../../fixtures/safetensorsWriter';
import { writeGgufLlama, type GgufLlamaOptions, type HfLlama } from '../../../../fixtures/ggufLlama';

export type GgufMoeArch = 'qwen3moe' | 'qwen2moe' | 'olmoe';

const D = 64,
  HEADS = 4,
  HD = 16,
  LAYERS = 2,
  VOCAB = 64,
  E = 4,
  K = 2,
  F = 32,
  SHARED_F = 64,
  DENSE_F = 96;

export interface MoeCase {
  arch: GgufMoeArch;
  config: Record<string, unknown>;
  hf: HfLlama;
}

/** The Hugging Face config.json of each family, with llama.cpp's routing for it. */
function hfConfig(arch: GgufMoeArch): Record<string, unknown> {
  const common = {
    hidden_size: D,
    num_hidden_layers: LAYERS,
    num_attention_heads: HEADS,
    vocab_size: VOCAB,
    max_position_embeddings: 128,
    rope_theta: 10000,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    num_experts: E,
    num_experts_per_tok: K,
  };
  switch (arch) {
    case 'qwen3moe':
      return {
        ...common,
        model_type: 'qwen3_moe',
        architectures: ['Qwen3MoeForCausalLM'],
        num_key_value_heads: 2,
        head_dim: HD,
        rms_norm_eps: 1e-6,
        intermediate_size: DENSE_F,
        moe_intermediate_size: F,
        norm_topk_prob: true,
        decoder_sparse_step: 1,
        mlp_only_layers: [],
      };
    case 'qwen2moe':
      return {
        ...common,
        model_type: 'qwen2_moe',
        architectures: ['Qwen2MoeForCausalLM'],
        num_key_value_heads: 2,
        rms_norm_eps: 1e-6,
        intermediate_size: DENSE_F,
        moe_intermediate_size: F,
        shared_expert_intermediate_size: SHARED_F,
        norm_topk_prob: false,
        decoder_sparse_step: 1,
        mlp_only_layers: [],
      };
    case 'olmoe':
      // OLMoE-1B-7B: no GQA (llama.cpp's olmoe loader wants attn_k_norm of n_embd), experts of intermediate_size;
      // the converter writes rms eps 1e-5 (OlmoeModel.set_gguf_parameters), as OLMoE's config has.
      return {
        ...common,
        model_type: 'olmoe',
        architectures: ['OlmoeForCausalLM'],
        num_key_value_heads: HEADS,
        rms_norm_eps: 1e-5,
        intermediate_size: F,
        norm_topk_prob: false,
        clip_qkv: null,
      };
  }
}

/** Every tensor of the model under its Hugging Face name, drawn from the LCG (norm gains near 1). */
function hfWeights(arch: GgufMoeArch, cfg: Record<string, unknown>, seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let s = seed;
  const put = (name: string, shape: number[], scale: number, norm = false) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = lcgTensor(++s * 7919, n, scale);
    out.set(name, { shape, data: norm ? data.map((v) => 1 + v) : data });
  };
  const kv = cfg.num_key_value_heads as number;
  put('model.embed_tokens.weight', [VOCAB, D], 2);
  put('model.norm.weight', [D], 0.4, true);
  put('lm_head.weight', [VOCAB, D], 0.5);
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}.`;
    put(p + 'input_layernorm.weight', [D], 0.4, true);
    put(p + 'post_attention_layernorm.weight', [D], 0.4, true);
    put(p + 'self_attn.q_proj.weight', [HEADS * HD, D], 0.5);
    put(p + 'self_attn.k_proj.weight', [kv * HD, D], 0.5);
    put(p + 'self_attn.v_proj.weight', [kv * HD, D], 0.5);
    put(p + 'self_attn.o_proj.weight', [D, HEADS * HD], 0.5);
    if (arch === 'qwen2moe') {
      put(p + 'self_attn.q_proj.bias', [HEADS * HD], 0.2);
      put(p + 'self_attn.k_proj.bias', [kv * HD], 0.2);
      put(p + 'self_attn.v_proj.bias', [kv * HD], 0.2);
    }
    if (arch === 'qwen3moe') {
      put(p + 'self_attn.q_norm.weight', [HD], 0.4, true);
      put(p + 'self_attn.k_norm.weight', [HD], 0.4, true);
    }
    if (arch === 'olmoe') {
      put(p + 'self_attn.q_norm.weight', [HEADS * HD], 0.4, true);
      put(p + 'self_attn.k_norm.weight', [kv * HD], 0.4, true);
    }
    put(p + 'mlp.gate.weight', [E, D], 1.5);
    for (let e = 0; e < E; e++) {
      put(`${p}mlp.experts.${e}.gate_proj.weight`, [F, D], 0.5);
      put(`${p}mlp.experts.${e}.up_proj.weight`, [F, D], 0.5);
      put(`${p}mlp.experts.${e}.down_proj.weight`, [D, F], 0.5);
    }
    if (arch === 'qwen2moe') {
      put(p + 'mlp.shared_expert.gate_proj.weight', [SHARED_F, D], 0.5);
      put(p + 'mlp.shared_expert.up_proj.weight', [SHARED_F, D], 0.5);
      put(p + 'mlp.shared_expert.down_proj.weight', [D, SHARED_F], 0.5);
      put(p + 'mlp.shared_expert_gate.weight', [1, D], 1);
    }
  }
  return out;
}

export function moeCase(arch: GgufMoeArch, seed = 1): MoeCase {
  const config = hfConfig(arch);
  const qwen = arch !== 'olmoe';
  return {
    arch,
    config,
    hf: {
      arch,
      headDim: arch === 'qwen3moe' ? HD : undefined,
      hidden: D,
      intermediate: config.intermediate_size as number,
      layers: LAYERS,
      heads: HEADS,
      kvHeads: config.num_key_value_heads as number,
      vocab: VOCAB,
      context: 128,
      eps: config.rms_norm_eps as number,
      theta: 10000,
      expertsUsed: K,
      // Qwen2MoeModel.set_gguf_parameters writes these; OlmoeModel does not.
      expertFeedForward: qwen ? F : undefined,
      sharedFeedForward: arch === 'qwen2moe' ? SHARED_F : undefined,
      weights: hfWeights(arch, config, seed),
    },
  };
}

/** The model as a safetensors folder (config.json, model.safetensors in float32) with `weights` in place of the case's. */
export async function writeSafetensorsModel(dir: string, c: MoeCase, weights = c.hf.weights, config = c.config): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  await writeSafetensors(
    join(dir, 'model.safetensors'),
    [...weights].map(([name, w]) => ({ name, dtype: 'F32' as const, shape: w.shape, values: w.data })),
  );
  return dir;
}

/** The model as the converter's GGUF file. */
export function writeGgufModel(path: string, c: MoeCase, opts: GgufLlamaOptions = {}): string {
  writeGgufLlama(path, c.hf, { experts: E, ...opts });
  return path;
}

export const MOE_DIMS = { D, E, K, F, SHARED_F, LAYERS, VOCAB };
