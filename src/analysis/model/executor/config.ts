/**
 * The executor's view of a model: everything the block graphs need, read once from `config.json`
 * and the tensor names. Unsupported architectures are refused here with a message that says so.
 */
import type { ModelHandle } from '../types';
import { resolveTiedNames, type TiedNames } from './tiedWeights';
import { MOE_MODEL_TYPES, UNSUPPORTED_MOE, moeConfigFromJson, type MoeConfig } from './moeConfig';
import { mlaConfigFromJson, type MlaConfig } from './mla';
import { ggufHfWeights, ggufRopeFreqFactors, type GgufHfWeights } from '../gguf/ggufWeightSource';
import { UNSUPPORTED_GGUF_MOE } from '../gguf/ggufMoeConfig';
import { checkGgufMoeTensors } from '../gguf/ggufMoeTensors';
import { checkGgufMlaTensors } from '../gguf/ggufMlaTensors';

export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | { type: 'dynamic'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  | {
      type: 'yarn';
      factor: number;
      originalMaxPositions: number;
      betaFast: number;
      betaSlow: number;
      attentionFactor?: number;
      mscale?: number;
      mscaleAllDim?: number;
      /** Round the correction range to whole dimensions (transformers' default; gpt-oss sets `truncate: false`). */
      truncate: boolean;
    };

export type Family = 'llama' | 'gpt2' | 'gpt_neox';

export interface DecoderConfig {
  family: Family;
  modelType: string;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  /** RMSNorm (Llama) or LayerNorm (GPT-2, NeoX) epsilon. */
  normEps: number;
  ropeTheta: number;
  /** Fraction of each head's dims that rotate (1 for Llama; GPT-NeoX's rotary_pct; 0 = no RoPE, GPT-2). */
  partialRotaryFactor: number;
  maxPositions: number;
  rope: RopeScaling;
  /** Per-frequency divisors of the inverse frequencies (a GGUF file's `rope_freqs.weight`, gguf/ggufWeightSource.ts), applied after `rope`. */
  ropeFreqFactors?: Float64Array | null;
  /** The embeddings and lm_head are one stored tensor (names.embed === names.lmHead); see tiedWeights.ts. */
  tiedEmbeddings: boolean;
  /** Mistral-style sliding-window attention (keys with j > i − window stay visible), or null. */
  slidingWindow: number | null;
  /** Which layers use the sliding window (gpt-oss's `layer_types`); null: every layer, when there is one. */
  slidingLayers: boolean[] | null;
  /** Per-head learned attention sinks (gpt-oss `self_attn.sinks`): an extra logit in each softmax row whose probability is dropped. */
  attentionSinks: boolean;
  /** MLP activation: 'silu' (SwiGLU), 'gelu_new' (tanh GELU) or 'gelu' (exact). */
  hiddenAct: 'silu' | 'gelu_new' | 'gelu';
  parallelResidual: boolean;
  /** q/k RMSNorm per head (Qwen3: weights [head_dim]) or over the whole projection before the head split (OLMoE: [H·head_dim]). */
  qkNormScope: 'head' | 'full';
  /** The mixture-of-experts layers (Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE, gpt-oss, DeepSeek-V2/V3), or null for a dense model. */
  moe: MoeConfig | null;
  /** DeepSeek-V2/V3's multi-head latent attention (then headDim is qk_rope_head_dim, the rotary width), or null. */
  mla: MlaConfig | null;
  /**
   * Checkpoint tensor names that are not inside a layer (the stored ones: a tied checkpoint may keep
   * either name, see tiedWeights.ts), and each layer's name prefix.
   */
  names: { embed: string; positionEmbed: string | null; finalNorm: string; finalNormBias: string | null; lmHead: string; layer: (l: number) => string };
}

/**
 * Qwen2-VL / Qwen2.5-VL's language model is Qwen2's decoder with multimodal RoPE (models/qwen2_5_vl,
 * Qwen2_5_VLModel.get_rope_index): a text-only prompt gets the same position on its temporal, height
 * and width axes, and apply_multimodal_rotary_pos_emb then takes every `mrope_section` band from
 * identical tables, which is plain RoPE. Qwen3-VL's is Qwen3's decoder (per-head q/k norms), whose
 * interleaved mrope (models/qwen3_vl, Qwen3VLTextRotaryEmbedding.apply_interleaved_mrope) likewise
 * picks every frequency from identical tables on text, and whose deepstack adds visual features only
 * where there are images. Images are not part of the executor's prompts.
 */
const QWEN_VL_TYPES = ['qwen2_vl', 'qwen2_5_vl', 'qwen2_vl_text', 'qwen2_5_vl_text', 'qwen3_vl', 'qwen3_vl_text'];
const LLAMA_TYPES = new Set<string>(['llama', 'mistral', 'qwen2', 'qwen3', ...QWEN_VL_TYPES, ...MOE_MODEL_TYPES]);
export const SUPPORTED_MODEL_TYPES = [...LLAMA_TYPES, 'gpt2', 'gpt_neox'];

function num(cfg: Record<string, unknown>, key: string, fallback?: number): number {
  const v = cfg[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`config.json has no numeric "${key}", which the executor needs`);
}

export function parseRopeScaling(raw: unknown): RopeScaling {
  if (raw === null || raw === undefined) return { type: 'default' };
  if (typeof raw !== 'object') throw new Error('config.json "rope_scaling" must be an object');
  const rs = raw as Record<string, unknown>;
  const type = String(rs.rope_type ?? rs.type ?? 'default');
  const f = (k: string, fb?: number) => num(rs, k, fb);
  switch (type) {
    case 'default':
      return { type: 'default' };
    case 'linear':
      return { type: 'linear', factor: f('factor') };
    case 'dynamic':
      return { type: 'dynamic', factor: f('factor') };
    case 'llama3':
      return {
        type: 'llama3',
        factor: f('factor'),
        lowFreqFactor: f('low_freq_factor'),
        highFreqFactor: f('high_freq_factor'),
        originalMaxPositions: f('original_max_position_embeddings'),
      };
    case 'yarn':
      return {
        type: 'yarn',
        factor: f('factor'),
        originalMaxPositions: f('original_max_position_embeddings', 0),
        betaFast: f('beta_fast', 32),
        betaSlow: f('beta_slow', 1),
        attentionFactor: typeof rs.attention_factor === 'number' ? rs.attention_factor : undefined,
        mscale: typeof rs.mscale === 'number' ? rs.mscale : undefined,
        mscaleAllDim: typeof rs.mscale_all_dim === 'number' ? rs.mscale_all_dim : undefined,
        truncate: rs.truncate !== false,
      };
    default:
      throw new Error(`rope_scaling type "${type}" is not supported (supported: default, linear, dynamic, llama3, yarn)`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Qwen2-VL's `rope_scaling: {type: "mrope" | "default", mrope_section}`: plain RoPE for text (see QWEN_VL_TYPES). */
function isMrope(rs: Record<string, unknown>): boolean {
  const type = String(rs.rope_type ?? rs.type ?? 'default');
  return Array.isArray(rs.mrope_section) && (type === 'mrope' || type === 'default');
}

/**
 * The language model's config: config.json itself, or for a multimodal wrapper (LLaVA, Mistral 3,
 * Gemma 3, Qwen2-VL, Llama 4: `LlavaForConditionalGeneration` builds its language model from
 * `config.text_config`) its `text_config`. Keys the wrapper keeps at its own top level and
 * text_config lacks (`tie_word_embeddings`, `bos_token_id`, `torch_dtype`…) are taken from there.
 */
export function languageModelConfig(config: Record<string, unknown>): Record<string, unknown> {
  const text = config.text_config;
  if (!isRecord(text)) return config;
  const out: Record<string, unknown> = { ...text };
  for (const [k, v] of Object.entries(config)) if (!(k in out) && !k.endsWith('_config') && k !== 'model_type' && k !== 'architectures') out[k] = v;
  return out;
}

/**
 * Where the language model's tensors sit: the text before `layers.<index>.` in the first layer's
 * tensor names (the role map found the layers, under whatever prefix the checkpoint uses):
 * `model.` for a plain causal LM, `language_model.model.` or `model.language_model.` inside a
 * multimodal wrapper. Undefined when the layers do not sit under a `layers.N.` stack.
 */
export function languageModelPrefix(model: ModelHandle): string | undefined {
  const first = model.layers[0];
  if (!first) return undefined;
  const marker = `layers.${first.index}.`;
  const prefixes = new Set<string>();
  for (const t of first.tensors) {
    const at = t.indexOf(marker);
    if (at >= 0 && (at === 0 || t[at - 1] === '.')) prefixes.add(t.slice(0, at));
  }
  return prefixes.size === 1 ? [...prefixes][0] : undefined;
}

/**
 * Reads a decoder configuration from a model handle (config.json, or a wrapper's text_config; tensor
 * names under the language model's prefix; the safetensors `__metadata__` aliases of tied weights),
 * and checks that the embeddings and lm_head it will read exist and have the shape the config gives,
 * naming the tensor when not.
 */
export function decoderConfig(model: ModelHandle): DecoderConfig {
  if (!model.config) throw new Error(`${model.path}: running the model needs its config.json, and none was found`);
  // A GGUF file is read under Hugging Face names through its role map (gguf/ggufWeightSource.ts).
  const gguf = ggufHfWeights(model);
  const cfg = gguf
    ? ggufDecoderConfig(model, gguf)
    : decoderConfigFromJson(languageModelConfig(model.config), (n) => model.tensors.has(n), model.architecture, model.metadata, languageModelPrefix(model));
  for (const [name, what] of [
    [cfg.names.embed, 'the input embeddings'],
    [cfg.names.lmHead, 'lm_head'],
  ] as const) {
    const t = gguf ? (gguf.has(name) ? { shape: gguf.shape(name) } : undefined) : model.tensors.get(name);
    if (!t) {
      const denied = languageModelConfig(model.config).tie_word_embeddings === false && what === 'the input embeddings';
      throw new Error(
        `${model.path}: tensor "${name}" (${what}) is missing, so the model cannot run` +
          (denied ? '; config.json says tie_word_embeddings: false, so lm_head cannot stand in for it' : ''),
      );
    }
    if (t.shape.length !== 2 || t.shape[1] !== cfg.hiddenSize || t.shape[0] < cfg.vocabSize)
      throw new Error(
        `${model.path}: tensor "${name}" (${what}) has shape [${t.shape.join(', ')}], but config.json needs [${cfg.vocabSize}, ${cfg.hiddenSize}]`,
      );
  }
  return cfg;
}

/**
 * The executor's view of a GGUF model: its synthesised config over the Hugging Face names its weights are served under.
 * Mixture-of-experts files run where gguf/ggufMoeConfig.ts knows the routing llama.cpp builds for the architecture;
 * their expert tensors are checked against the metadata first (gguf/ggufMoeTensors.ts), and DeepSeek-V3's latent
 * attention tensors too (gguf/ggufMlaTensors.ts).
 */
function ggufDecoderConfig(model: ModelHandle, gguf: GgufHfWeights): DecoderConfig {
  const json = model.config!;
  const type = String(json.model_type);
  const arch = String(json.gguf_architecture);
  const missing = UNSUPPORTED_GGUF_MOE[type];
  if (missing)
    throw new Error(
      `${model.path}: running a GGUF ${type} model (mixture of experts) is not supported yet: ${missing}. ` +
        'Dense Llama, Mistral, Qwen2 and Qwen3 files and Mixtral, Qwen2-MoE, Qwen3-MoE, OLMoE, gpt-oss and DeepSeek-V3/R1 files run',
    );
  // gguf-py's RopeScalingType.NONE ("none") is no scaling.
  const noScaling = isRecord(json.rope_scaling) && json.rope_scaling.type === 'none';
  const cfg = decoderConfigFromJson(noScaling ? { ...json, rope_scaling: null } : json, (n) => gguf.has(n), model.architecture);
  if (cfg.mla) checkGgufMlaTensors(model, cfg.mla, cfg.numHeads, cfg.hiddenSize, cfg.numLayers);
  if (cfg.moe) checkGgufMoeTensors(model, arch, cfg.moe, cfg.hiddenSize);
  return { ...cfg, ropeFreqFactors: ggufRopeFreqFactors(model, Math.floor(cfg.headDim * cfg.partialRotaryFactor) / 2) };
}

/**
 * The lm_head beside a Llama-style language model under `prefix`: `lm_head.weight` for `model.`
 * (and for newer wrapper saves, `model.language_model.`, whose head transformers keeps at the top);
 * `language_model.lm_head.weight` for `language_model.model.` (LlavaForConditionalGeneration's
 * older saves: the language model is a whole causal LM under `language_model.`).
 */
function lmHeadBeside(prefix: string): string {
  const parts = prefix.split('.').filter(Boolean);
  return parts.length > 1 && parts[parts.length - 1] === 'model' ? `${parts.slice(0, -1).join('.')}.lm_head.weight` : 'lm_head.weight';
}

/**
 * The same from a parsed config.json (the language model's: see languageModelConfig) and a
 * tensor-existence test (in-memory models, tests). `lmPrefix` is where a Llama-style language
 * model's tensors sit (default `model.`; see languageModelPrefix).
 */
export function decoderConfigFromJson(
  cfg: Record<string, unknown>,
  hasTensor: (name: string) => boolean,
  architecture = 'llama',
  metadata: Record<string, string> = {},
  lmPrefix = 'model.',
): DecoderConfig {
  const modelType = String(cfg.model_type ?? architecture);
  const tie = (embed: string, lmHead: string) =>
    resolveTiedNames(embed, lmHead, hasTensor, metadata, typeof cfg.tie_word_embeddings === 'boolean' ? cfg.tie_word_embeddings : undefined);
  if (LLAMA_TYPES.has(modelType)) return llamaConfig(cfg, hasTensor, modelType, tie(`${lmPrefix}embed_tokens.weight`, lmHeadBeside(lmPrefix)), lmPrefix);
  if (modelType === 'gpt2') return gpt2Config(cfg, hasTensor, tie);
  if (modelType === 'gpt_neox') return neoxConfig(cfg, tie('gpt_neox.embed_in.weight', 'embed_out.weight'));
  const why = UNSUPPORTED_MOE[modelType];
  if (why) throw new Error(`running "${modelType}" models is not supported yet: ${why} (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  throw new Error(`running "${modelType}" models is not supported yet (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
}

function heads(hiddenSize: number, numHeads: number, numKvHeads: number, headDim?: number): { numHeads: number; numKvHeads: number; headDim: number } {
  if (numHeads % numKvHeads !== 0) throw new Error(`num_attention_heads (${numHeads}) is not a multiple of num_key_value_heads (${numKvHeads})`);
  const hd = headDim ?? hiddenSize / numHeads;
  if (!Number.isInteger(hd)) throw new Error(`hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads}`);
  return { numHeads, numKvHeads, headDim: hd };
}

function llamaConfig(cfg: Record<string, unknown>, hasTensor: (name: string) => boolean, modelType: string, tied: TiedNames, p: string): DecoderConfig {
  const hiddenSize = num(cfg, 'hidden_size');
  const numHeads = num(cfg, 'num_attention_heads');
  const mla = modelType === 'deepseek_v3' || modelType === 'deepseek_v2' ? mlaConfigFromJson(cfg, modelType === 'deepseek_v2') : null;
  // MLA: every head has its own keys, and the rotary tables span qk_rope_head_dim.
  const h = mla
    ? { numHeads, numKvHeads: numHeads, headDim: mla.rope }
    : heads(hiddenSize, numHeads, num(cfg, 'num_key_value_heads', numHeads), typeof cfg.head_dim === 'number' ? cfg.head_dim : undefined);
  const maxPositions = num(cfg, 'max_position_embeddings', 2048);
  let rope = parseRopeScaling(QWEN_VL_TYPES.includes(modelType) && isRecord(cfg.rope_scaling) && isMrope(cfg.rope_scaling) ? null : cfg.rope_scaling);
  if (rope.type === 'yarn' && rope.originalMaxPositions === 0) rope = { ...rope, originalMaxPositions: maxPositions };
  const sw = cfg.sliding_window;
  const gptOss = modelType === 'gpt_oss';
  const useSw = typeof sw === 'number' && sw > 0 && (modelType === 'mistral' || gptOss || cfg.use_sliding_window === true);
  const act = String(cfg.hidden_act ?? 'silu');
  if (act !== 'silu' && act !== 'swish') throw new Error(`hidden_act "${act}" is not supported for ${modelType} (supported: silu)`);
  // OlmoeAttention clamps q, k and v to ±clip_qkv; OLMoE-1B-7B leaves it null.
  if (typeof cfg.clip_qkv === 'number') throw new Error(`config.json clip_qkv = ${cfg.clip_qkv} (clamped q/k/v) is not supported by the executor`);
  const numLayers = num(cfg, 'num_hidden_layers');
  return {
    family: 'llama',
    modelType,
    hiddenSize,
    intermediateSize: num(cfg, 'intermediate_size'),
    numLayers,
    ...h,
    vocabSize: num(cfg, 'vocab_size'),
    normEps: num(cfg, 'rms_norm_eps', 1e-6),
    ropeTheta: num(cfg, 'rope_theta', 10000),
    // Glm4MoeConfig defaults partial_rotary_factor to 0.5 (apply_rotary_pos_emb rotates the first half of each head).
    partialRotaryFactor: num(cfg, 'partial_rotary_factor', modelType === 'glm4_moe' ? 0.5 : 1),
    maxPositions,
    rope,
    tiedEmbeddings: tied.tied,
    slidingWindow: useSw ? (sw as number) : null,
    slidingLayers: gptOss ? gptOssLayerTypes(cfg, numLayers) : null,
    attentionSinks: gptOss,
    hiddenAct: 'silu',
    parallelResidual: false,
    // OlmoeAttention: q_norm = RMSNorm(hidden_size), k_norm = RMSNorm(kv_heads·head_dim), on q_proj/k_proj outputs.
    qkNormScope: modelType === 'olmoe' ? 'full' : 'head',
    moe: moeConfigFromJson(cfg, modelType, numLayers),
    mla,
    names: {
      embed: tied.embed,
      positionEmbed: null,
      finalNorm: `${p}norm.weight`,
      finalNormBias: null,
      lmHead: tied.lmHead,
      layer: (l) => `${p}layers.${l}.`,
    },
  };
}

/**
 * gpt-oss's sliding layers: config.json `layer_types`, or GptOssConfig's default
 * ("sliding_attention" if (i + 1) % 2 else "full_attention", configuration_gpt_oss.py).
 */
function gptOssLayerTypes(cfg: Record<string, unknown>, numLayers: number): boolean[] {
  const types = cfg.layer_types;
  if (types === undefined || types === null) return Array.from({ length: numLayers }, (_, i) => (i + 1) % 2 === 1);
  if (!Array.isArray(types) || types.length !== numLayers || types.some((t) => t !== 'sliding_attention' && t !== 'full_attention'))
    throw new Error(`config.json layer_types must list "sliding_attention" or "full_attention" for each of the ${numLayers} layers`);
  return types.map((t) => t === 'sliding_attention');
}

function gpt2Config(cfg: Record<string, unknown>, hasTensor: (name: string) => boolean, tie: (embed: string, lmHead: string) => TiedNames): DecoderConfig {
  // Checkpoints are saved with or without the `transformer.` prefix (the original gpt2 repo has none);
  // wte may be absent from a tied save (tiedWeights.ts), so the final norm decides too.
  const p = hasTensor('transformer.wte.weight') || hasTensor('transformer.ln_f.weight') ? 'transformer.' : '';
  const tied = tie(`${p}wte.weight`, 'lm_head.weight');
  const d = num(cfg, 'n_embd');
  const act = String(cfg.activation_function ?? 'gelu_new');
  if (act !== 'gelu_new' && act !== 'gelu') throw new Error(`activation_function "${act}" is not supported for gpt2 (supported: gelu_new, gelu)`);
  if (cfg.scale_attn_by_inverse_layer_idx === true || cfg.reorder_and_upcast_attn === true) {
    throw new Error('GPT-2 variants with scale_attn_by_inverse_layer_idx or reorder_and_upcast_attn are not supported');
  }
  const n = num(cfg, 'n_head');
  return {
    family: 'gpt2',
    modelType: 'gpt2',
    hiddenSize: d,
    intermediateSize: typeof cfg.n_inner === 'number' ? cfg.n_inner : 4 * d,
    numLayers: num(cfg, 'n_layer'),
    ...heads(d, n, n),
    vocabSize: num(cfg, 'vocab_size'),
    normEps: num(cfg, 'layer_norm_epsilon', 1e-5),
    ropeTheta: 10000,
    partialRotaryFactor: 0,
    maxPositions: num(cfg, 'n_positions', 1024),
    rope: { type: 'default' },
    tiedEmbeddings: tied.tied,
    slidingWindow: null,
    slidingLayers: null,
    attentionSinks: false,
    hiddenAct: act === 'gelu' ? 'gelu' : 'gelu_new',
    parallelResidual: false,
    qkNormScope: 'head',
    moe: null,
    mla: null,
    names: {
      embed: tied.embed,
      positionEmbed: `${p}wpe.weight`,
      finalNorm: `${p}ln_f.weight`,
      finalNormBias: `${p}ln_f.bias`,
      lmHead: tied.lmHead,
      layer: (l) => `${p}h.${l}.`,
    },
  };
}

function neoxConfig(cfg: Record<string, unknown>, tied: TiedNames): DecoderConfig {
  const d = num(cfg, 'hidden_size');
  const n = num(cfg, 'num_attention_heads');
  const act = String(cfg.hidden_act ?? 'gelu');
  if (act !== 'gelu' && act !== 'gelu_new') throw new Error(`hidden_act "${act}" is not supported for gpt_neox (supported: gelu, gelu_new)`);
  const maxPositions = num(cfg, 'max_position_embeddings', 2048);
  return {
    family: 'gpt_neox',
    modelType: 'gpt_neox',
    hiddenSize: d,
    intermediateSize: num(cfg, 'intermediate_size'),
    numLayers: num(cfg, 'num_hidden_layers'),
    ...heads(d, n, n),
    vocabSize: num(cfg, 'vocab_size'),
    normEps: num(cfg, 'layer_norm_eps', 1e-5),
    ropeTheta: num(cfg, 'rotary_emb_base', num(cfg, 'rope_theta', 10000)),
    partialRotaryFactor: num(cfg, 'rotary_pct', num(cfg, 'partial_rotary_factor', 1)),
    maxPositions,
    rope: parseRopeScaling(cfg.rope_scaling),
    tiedEmbeddings: tied.tied,
    slidingWindow: null,
    slidingLayers: null,
    attentionSinks: false,
    hiddenAct: act === 'gelu' ? 'gelu' : 'gelu_new',
    parallelResidual: cfg.use_parallel_residual !== false,
    qkNormScope: 'head',
    moe: null,
    mla: null,
    names: {
      embed: tied.embed,
      positionEmbed: null,
      finalNorm: 'gpt_neox.final_layer_norm.weight',
      finalNormBias: 'gpt_neox.final_layer_norm.bias',
      lmHead: tied.lmHead,
      layer: (l) => `gpt_neox.layers.${l}.`,
    },
  };
}
