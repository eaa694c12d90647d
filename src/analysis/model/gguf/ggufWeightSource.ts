/**
 * The weights of a GGUF model under the Hugging Face names the executor reads
 * (`model.embed_tokens.weight`, `model.layers.N.self_attn.q_proj.weight`, `model.norm.weight`,
 * `lm_head.weight`), so that forward passes, activation, persistence and perplexity run on a GGUF
 * Llama/Mistral/Qwen2/Qwen3 file (and the mixture-of-experts files of gguf/ggufMoeConfig.ts: their
 * experts are read through the role map by the executor's `moeMatrix`; DeepSeek-V3's latent attention,
 * gguf/ggufMlaTensors.ts) as on its safetensors original.
 *
 * Matrices come through the role map (architectures/gguf.ts), which already undoes what
 * convert_hf_to_gguf.py changed: q/k rows of llama-family files are gathered back from
 * `LlamaModel.permute`'s rotated-pairs order, fused `attn_qkv` is cut into q, k and v, and
 * quantized blocks are decoded by the tensor reader. The names follow transformers'
 * `GGUF_TENSOR_MAPPING["llama"]` (src/transformers/integrations/ggml.py: `token_embd` →
 * `model.embed_tokens`, `blk` → `model.layers`, `attn_norm` → `input_layernorm`, `ffn_norm` →
 * `post_attention_layernorm`, `output_norm` → `model.norm`, `output.weight` → `lm_head.weight`).
 * A file without `output.weight` has tied embeddings (the converter writes no lm_head then), so
 * `lm_head.weight` is absent here and the executor's tie resolution reads the embeddings.
 *
 * This module implements the executor's weight-source shape without importing it (the executor
 * imports this file).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readElementsF32 } from '../../io/tensorReader';
import { ModelFileError } from '../../io/modelFileError';
import { isGgufConfig } from '../architectures/gguf';
import { readMatrix } from '../readRole';
import type { ExtraMatrixKind, MatrixKind, MatrixRole, ModelHandle, RoleMatrixRef, TensorEntry } from '../types';

/** One weight under its Hugging Face name. */
interface HfWeight {
  shape: number[];
  read(): Promise<Float32Array>;
  readRows(r0: number, r1: number): Promise<Float32Array>;
}

/** The weights of a GGUF model by Hugging Face name (the executor's WeightSource, less its MoE reader). */
export interface GgufHfWeights {
  has(name: string): boolean;
  shape(name: string): number[];
  read(name: string): Promise<Float32Array>;
  readRows(name: string, r0: number, r1: number): Promise<Float32Array>;
}

const ROLE_NAMES: Readonly<Record<MatrixRole, string>> = {
  q: 'self_attn.q_proj',
  k: 'self_attn.k_proj',
  v: 'self_attn.v_proj',
  o: 'self_attn.o_proj',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

/** llama.cpp's per-layer vectors (gguf-py/gguf/constants.py TENSOR_NAMES) → the Hugging Face suffix. */
const LAYER_VECTORS: Readonly<Record<string, string>> = {
  'attn_norm.weight': 'input_layernorm.weight',
  'ffn_norm.weight': 'post_attention_layernorm.weight',
  'attn_q_norm.weight': 'self_attn.q_norm.weight',
  'attn_k_norm.weight': 'self_attn.k_norm.weight',
};

/**
 * gpt-oss's own tensors (llama.cpp src/models/openai-moe-iswa.cpp; convert_hf_to_gguf.py GptOssModel):
 * the MLP's norm is `post_attention_norm` (ATTN_POST_NORM, from `post_attention_layernorm`), the
 * attention sinks `attn_sinks.weight` (from `self_attn.sinks`), the router's bias `ffn_gate_inp.bias`,
 * and the experts' down bias `ffn_down_exps.bias` [E, d] (from `down_proj_bias`). The gate/up bias is
 * rebuilt below. Elsewhere `post_attention_norm` is a different norm (Gemma 2's, after attention).
 */
const GPT_OSS_VECTORS: Readonly<Record<string, string>> = {
  'post_attention_norm.weight': 'post_attention_layernorm.weight',
  'attn_sinks.weight': 'self_attn.sinks',
  'ffn_gate_inp.bias': 'mlp.router.bias',
  'ffn_down_exps.bias': 'mlp.experts.down_proj_bias',
};

/**
 * DeepSeek's latent-attention factors (deepseek2; gguf-py TENSOR_MAPPING: `self_attn.q_a_proj` →
 * `attn_q_a`, `q_b_proj` → `attn_q_b`, `kv_a_proj_with_mqa` → `attn_kv_a_mqa`, `kv_b_proj` →
 * `attn_kv_b`, or newer files' `attn_k_b` + `attn_v_b`, which the role map puts back together), read through
 * the role map's extra matrix kinds; `attn_q` is q_proj (the q role).
 */
const MLA_EXTRA: Readonly<Partial<Record<ExtraMatrixKind, string>>> = {
  q_a: 'self_attn.q_a_proj.weight',
  q_b: 'self_attn.q_b_proj.weight',
  kv_a: 'self_attn.kv_a_proj_with_mqa.weight',
  kv_b: 'self_attn.kv_b_proj.weight',
};

/** deepseek2's vectors: the latent norms, and V3's expert-choice bias (`e_score_correction.bias` → FFN_EXP_PROBS_B). */
const DEEPSEEK_VECTORS: Readonly<Record<string, string>> = {
  'attn_q_a_norm.weight': 'self_attn.q_a_layernorm.weight',
  'attn_kv_a_norm.weight': 'self_attn.kv_a_layernorm.weight',
  'exp_probs_b.bias': 'mlp.gate.e_score_correction_bias',
};

/** Bias vectors of the attention projections (Qwen2's q/k/v biases), and which role's rows they follow. */
const BIASES: Readonly<Record<string, MatrixRole>> = { 'attn_q.bias': 'q', 'attn_k.bias': 'k', 'attn_v.bias': 'v', 'attn_output.bias': 'o' };

function rowsOf(entry: TensorEntry, r0: number, r1: number): Promise<Float32Array> {
  const rows = entry.shape.length === 0 ? 1 : entry.shape[0];
  if (!(Number.isInteger(r0) && Number.isInteger(r1) && 0 <= r0 && r0 <= r1 && r1 <= rows))
    throw new Error(`${entry.name}: rows ${r0}..${r1} are outside 0..${rows}`);
  const width = entry.shape.slice(1).reduce((a, b) => a * b, 1);
  return readElementsF32(entry, r0 * width, (r1 - r0) * width);
}

function stored(entry: TensorEntry): HfWeight {
  return { shape: entry.shape, read: () => rowsOf(entry, 0, entry.shape.length === 0 ? 1 : entry.shape[0]), readRows: (r0, r1) => rowsOf(entry, r0, r1) };
}

function roleMatrix(model: ModelHandle, ref: RoleMatrixRef<MatrixKind>): HfWeight {
  const read = async () => (await readMatrix(model, ref)).data;
  return {
    shape: ref.shape,
    read,
    readRows: async (r0, r1) => (await read()).slice(r0 * ref.shape[1], r1 * ref.shape[1]),
  };
}

/** A bias vector in the Hugging Face row order of its matrix (the converter permutes q/k biases with their weights). */
function bias(entry: TensorEntry, ref: RoleMatrixRef | undefined): HfWeight {
  const index = ref?.source.rowIndex;
  if (!index) return stored(entry);
  if (entry.shape.length !== 1 || entry.shape[0] !== index.length)
    throw new ModelFileError(`tensor "${entry.name}" has shape [${entry.shape.join(', ')}], but its matrix has ${index.length} rows`, entry.file);
  const read = async () => {
    const all = await rowsOf(entry, 0, entry.shape[0]);
    return Float32Array.from(index, (i) => all[i]);
  };
  return { shape: [index.length], read, readRows: async (r0, r1) => (await read()).slice(r0, r1) };
}

/**
 * gpt-oss's `mlp.experts.gate_up_proj_bias` [E, 2F], gate and up interleaved (gate at even columns,
 * as GptOssExperts reads `gate_up[..., ::2]`), from the converter's de-interleaved `ffn_gate_exps.bias`
 * and `ffn_up_exps.bias` [E, F] (GptOssModel.modify_tensors: `data_torch[..., ::2]` / `[..., 1::2]`),
 * or, with `up` null, from `ffn_gate_up_exps.bias` [E, 2F], each expert's gate then up
 * (--fuse-gate-up-exps). The shapes are checked before the executor reads (ggufMoeTensors.ts).
 */
function gateUpBias(gate: TensorEntry, up: TensorEntry | null): HfWeight {
  const E = gate.shape[0],
    f = up ? gate.shape[1] : gate.shape[1] / 2;
  const read = async () => {
    const g = await rowsOf(gate, 0, E),
      u = up ? await rowsOf(up, 0, E) : null;
    const out = new Float32Array(2 * E * f);
    for (let e = 0; e < E; e++)
      for (let r = 0; r < f; r++) {
        out[2 * (e * f + r)] = u ? g[e * f + r] : g[2 * e * f + r];
        out[2 * (e * f + r) + 1] = u ? u[e * f + r] : g[2 * e * f + f + r];
      }
    return out;
  };
  return { shape: [E, 2 * f], read, readRows: async (r0, r1) => (await read()).slice(r0 * 2 * f, r1 * 2 * f) };
}

/** Every Hugging Face name the executor may ask for, built from the role map. */
function weightTable(model: ModelHandle): Map<string, HfWeight> {
  const gptOss = model.config?.gguf_architecture === 'gpt-oss';
  const deepseek = model.config?.gguf_architecture === 'deepseek2';
  const out = new Map<string, HfWeight>();
  const put = (hf: string, gguf: string) => {
    const e = model.tensors.get(gguf);
    if (e) out.set(hf, stored(e));
  };
  put('model.embed_tokens.weight', 'token_embd.weight');
  put('model.norm.weight', 'output_norm.weight');
  put('lm_head.weight', 'output.weight');
  for (const layer of model.layers) {
    const p = `model.layers.${layer.index}.`;
    for (const [role, name] of Object.entries(ROLE_NAMES) as [MatrixRole, string][]) {
      const ref = layer.roles[role];
      if (ref) out.set(`${p}${name}.weight`, roleMatrix(model, ref));
    }
    const blk = `blk.${layer.index}.`;
    for (const [g, hf] of Object.entries(LAYER_VECTORS)) put(p + hf, blk + g);
    if (deepseek) {
      for (const [g, hf] of Object.entries(DEEPSEEK_VECTORS)) put(p + hf, blk + g);
      for (const [kind, hf] of Object.entries(MLA_EXTRA) as [ExtraMatrixKind, string][]) {
        const ref = layer.extra?.[kind];
        if (ref) out.set(p + hf, roleMatrix(model, ref));
      }
    }
    if (gptOss) {
      for (const [g, hf] of Object.entries(GPT_OSS_VECTORS)) put(p + hf, blk + g);
      const gate = model.tensors.get(blk + 'ffn_gate_exps.bias'),
        up = model.tensors.get(blk + 'ffn_up_exps.bias'),
        fused = model.tensors.get(blk + 'ffn_gate_up_exps.bias');
      if (gate && up) out.set(p + 'mlp.experts.gate_up_proj_bias', gateUpBias(gate, up));
      else if (fused) out.set(p + 'mlp.experts.gate_up_proj_bias', gateUpBias(fused, null));
    }
    for (const [g, role] of Object.entries(BIASES)) {
      const e = model.tensors.get(blk + g);
      if (e) out.set(`${p}${ROLE_NAMES[role]}.bias`, bias(e, layer.roles[role]));
    }
  }
  return out;
}

/** The weights of a model opened from a GGUF file under Hugging Face names, or null when the model is not a GGUF one. */
export function ggufHfWeights(model: ModelHandle): GgufHfWeights | null {
  if (!isGgufConfig(model.config)) return null;
  const table = weightTable(model);
  const get = (name: string): HfWeight => {
    const w = table.get(name);
    if (!w) throw new Error(`${model.path}: the GGUF file has no tensor for "${name}", so the model cannot run`);
    return w;
  };
  return {
    has: (name) => table.has(name),
    shape: (name) => get(name).shape,
    read: (name) => get(name).read(),
    readRows: (name, r0, r1) => get(name).readRows(r0, r1),
  };
}

/**
 * The RoPE frequency factors of `rope_freqs.weight`, or null when the file has none. The converter
 * (convert_hf_to_gguf.py `LlamaModel.generate_extra_tensors`) stores Llama 3.1+'s `llama3`
 * rope_scaling there instead of in the metadata: factor `1` for high frequencies, `factor` for low
 * ones and `1 / ((1 − smooth) / factor + smooth)` between, one per rotated pair; llama.cpp divides
 * each pair's angle by it (ggml `ggml_rope_ext` with `freq_factors`, ggml-cpu ops.cpp `theta / ff`).
 * Transformers' `_compute_llama3_parameters` (modeling_rope_utils.py) gives the same inverse
 * frequencies, `inv_freq / rope_factor` for every pair, but the parameters it needs
 * (low/high_freq_factor, original_max_position_embeddings) are not in the GGUF metadata, so the
 * stored factors are applied as they are. `pairs` is the number of rotated pairs (head_dim / 2).
 */
export function ggufRopeFreqFactors(model: ModelHandle, pairs: number): Float64Array | null {
  if (!isGgufConfig(model.config)) return null;
  const e = model.tensors.get('rope_freqs.weight');
  if (!e) return null;
  const n = e.shape.reduce((a, b) => a * b, 1);
  if (e.dtype !== 'F32' || e.quant) throw new ModelFileError(`${model.path}: tensor "rope_freqs.weight" is not stored as F32, as llama.cpp requires`, e.file);
  if (n !== pairs)
    throw new ModelFileError(`${model.path}: tensor "rope_freqs.weight" holds ${n} factors, but the rotary embedding has ${pairs} frequency pairs`, e.file);
  const buf = new Uint8Array(4 * n);
  const fd = openSync(e.file, 'r');
  try {
    const got = readSync(fd, buf, 0, buf.length, e.dataStart);
    if (got !== buf.length) throw new ModelFileError(`${e.file}: tensor "rope_freqs.weight" is cut short (${got} of ${buf.length} bytes)`, e.file);
  } finally {
    closeSync(fd);
  }
  const view = new DataView(buf.buffer);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = view.getFloat32(4 * i, true);
    if (!(out[i] > 0) || !Number.isFinite(out[i]))
      throw new ModelFileError(`${model.path}: tensor "rope_freqs.weight" holds ${out[i]} at ${i}; frequency factors must be positive and finite`, e.file);
  }
  return out;
}
