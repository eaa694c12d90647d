/**
 * What a GGUF file's key/value metadata means to the rest of Layer Lens: the metadata as strings for
 * the model editor (long arrays such as the tokenizer vocabulary summarised), and a config.json-like
 * object synthesised from llama.cpp's hyperparameter keys (`<arch>.embedding_length`, … as
 * gguf-py/gguf/constants.py `Keys.LLM` / `Keys.Attention` / `Keys.Rope` name them), with the Hugging
 * Face `model_type` and class the architecture is converted from, so head geometry, expert counts,
 * sizes and routing rules work as they do for a safetensors checkpoint.
 */
import type { GgufArray, GgufKv, GgufScalar } from '../../io/gguf/ggufHeader';
import { moeConfigKeys } from './ggufMoeConfig';
import { deepseekConfigKeys, deepseekModelType } from './ggufDeepseekConfig';

/** Arrays up to this long are shown in full; longer ones as `[array of N strings]`. */
const SHOWN_ITEMS = 16;
const SHOWN_CHARS = 10_000;

function scalarText(v: GgufScalar): string {
  return typeof v === 'string' ? v : String(v);
}

function isArray(v: GgufKv['value']): v is GgufArray {
  return typeof v === 'object' && v !== null && 'itemType' in v;
}

export function metadataText(kv: GgufKv): string {
  const v = kv.value;
  if (!isArray(v)) {
    const s = scalarText(v);
    return s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS)}… (${s.length} characters)` : s;
  }
  const what = v.itemType === 'string' ? 'strings' : `${v.itemType} values`;
  if (!v.items || v.length > SHOWN_ITEMS) return `[array of ${v.length} ${what}]`;
  return `[${v.items.map((x) => (typeof x === 'string' ? JSON.stringify(x) : scalarText(x))).join(', ')}]`;
}

/** Every key/value as a string (the model editor's metadata table). */
export function metadataStrings(metadata: ReadonlyMap<string, GgufKv>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, kv] of metadata) out[k] = metadataText(kv);
  return out;
}

/**
 * llama.cpp architecture (`general.architecture`) → the transformers `model_type` and class its
 * converter (convert_hf_to_gguf.py `ModelBase.register`) reads. `llama` covers Mistral (converted
 * as llama); a llama file with experts is Mixtral; a deepseek2 file is DeepSeek-V3 or V2 by its
 * gating (ggufDeepseekConfig.ts).
 */
const HF_NAMES: Readonly<Record<string, readonly [modelType: string, className: string]>> = {
  llama: ['llama', 'LlamaForCausalLM'],
  qwen2: ['qwen2', 'Qwen2ForCausalLM'],
  qwen2moe: ['qwen2_moe', 'Qwen2MoeForCausalLM'],
  qwen3: ['qwen3', 'Qwen3ForCausalLM'],
  qwen3moe: ['qwen3_moe', 'Qwen3MoeForCausalLM'],
  gemma: ['gemma', 'GemmaForCausalLM'],
  gemma2: ['gemma2', 'Gemma2ForCausalLM'],
  gemma3: ['gemma3_text', 'Gemma3ForCausalLM'],
  phi3: ['phi3', 'Phi3ForCausalLM'],
  granite: ['granite', 'GraniteForCausalLM'],
  granitemoe: ['granitemoe', 'GraniteMoeForCausalLM'],
  olmo: ['olmo', 'OlmoForCausalLM'],
  olmo2: ['olmo2', 'Olmo2ForCausalLM'],
  olmoe: ['olmoe', 'OlmoeForCausalLM'],
  starcoder2: ['starcoder2', 'Starcoder2ForCausalLM'],
  'command-r': ['cohere', 'CohereForCausalLM'],
  internlm2: ['internlm2', 'InternLM2ForCausalLM'],
  stablelm: ['stablelm', 'StableLmForCausalLM'],
  'gpt-oss': ['gpt_oss', 'GptOssForCausalLM'],
  glm4: ['glm4', 'Glm4ForCausalLM'],
  glm4moe: ['glm4_moe', 'Glm4MoeForCausalLM'],
  dots1: ['dots1', 'Dots1ForCausalLM'],
  'minimax-m2': ['minimax_m2', 'MiniMaxM2ForCausalLM'],
  'ernie4_5-moe': ['ernie4_5_moe', 'Ernie4_5_MoeForCausalLM'],
  'hunyuan-moe': ['hunyuan_v1_moe', 'HunYuanMoEV1ForCausalLM'],
  qwen3vl: ['qwen3_vl_text', 'Qwen3VLForConditionalGeneration'],
  qwen3vlmoe: ['qwen3_vl_moe_text', 'Qwen3VLMoeForConditionalGeneration'],
  qwen3next: ['qwen3_next', 'Qwen3NextForCausalLM'],
  qwen35: ['qwen3_5_text', 'Qwen3_5ForConditionalGeneration'],
  qwen35moe: ['qwen3_5_moe_text', 'Qwen3_5MoeForConditionalGeneration'],
};

function num(kv: GgufKv | undefined): number | undefined {
  if (!kv) return undefined;
  const v = kv.value;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // Per-layer values (head counts of models whose layers differ): one value when all agree.
  if (isArray(v) && v.items && v.items.length > 0 && v.items.every((x) => x === v.items![0]) && typeof v.items[0] === 'number') return v.items[0];
  return undefined;
}

/** The GGUF architecture (`general.architecture`), or undefined when the file names none. */
export function ggufArchitecture(metadata: ReadonlyMap<string, GgufKv>): string | undefined {
  const a = metadata.get('general.architecture')?.value;
  return typeof a === 'string' && a !== '' ? a : undefined;
}

/**
 * A config.json-like object: `gguf_architecture` (which the architecture map keys on), the Hugging
 * Face `model_type` / `architectures`, and the sizes under config.json's names.
 */
export function synthesiseConfig(metadata: ReadonlyMap<string, GgufKv>, vocabFromEmbeddings?: number): Record<string, unknown> {
  const arch = ggufArchitecture(metadata) ?? 'unknown';
  const key = (k: string) => metadata.get(`${arch}.${k}`);
  const n = (k: string) => num(key(k));
  const experts = n('expert_count');
  const deepseek = arch === 'deepseek2';
  const hf = arch === 'llama' && experts ? (['mixtral', 'MixtralForCausalLM'] as const) : deepseek ? deepseekModelType(n) : HF_NAMES[arch];
  const tokens = metadata.get('tokenizer.ggml.tokens')?.value;
  const config: Record<string, unknown> = {
    gguf_architecture: arch,
    model_type: hf?.[0] ?? arch,
    architectures: [hf?.[1] ?? arch],
  };
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined) config[name] = value;
  };
  put('hidden_size', num(key('embedding_length')));
  // Multi-token-prediction blocks are written after the decoder's (convert_hf_to_gguf.py Glm4MoeModel, Qwen3.5's MTP
  // mixin: block_count += nextn_predict_layers) and not run by llama.cpp's graph: the decoder has the rest.
  const blocks = num(key('block_count'));
  const nextn = num(key('nextn_predict_layers')) ?? 0;
  put('num_hidden_layers', blocks !== undefined && nextn > 0 && nextn < blocks ? blocks - nextn : blocks);
  if (nextn > 0) put('num_nextn_predict_layers', nextn);
  put('num_attention_heads', num(key('attention.head_count')));
  put('num_key_value_heads', num(key('attention.head_count_kv')));
  put('intermediate_size', num(key('feed_forward_length')));
  put('max_position_embeddings', num(key('context_length')));
  put('rms_norm_eps', num(key('attention.layer_norm_rms_epsilon')));
  put('layer_norm_eps', num(key('attention.layer_norm_epsilon')));
  put('rope_theta', num(key('rope.freq_base')));
  put('rope_dimension_count', num(key('rope.dimension_count')));
  // The routing settings llama.cpp fixes per architecture, under the names transformers reads (ggufMoeConfig.ts).
  // (deepseek2's are among its multi-head latent attention keys, below.)
  if (!deepseek) Object.assign(config, moeConfigKeys(arch, n));
  // attention.key_length is the head size where it is not embedding_length / head_count (Gemma, Qwen3).
  if (!deepseek) put('head_dim', num(key('attention.key_length')));
  put('vocab_size', num(key('vocab_size')) ?? (isArray(tokens as GgufKv['value']) ? (tokens as GgufArray).length : undefined) ?? vocabFromEmbeddings);
  const scaling = metadata.get(`${arch}.rope.scaling.type`)?.value;
  // gguf-py/gguf/constants.py RopeKeys: the context the scaling stretches from is its own key
  // (SCALING_ORIG_CTX_LEN); transformers reads it as rope_scaling.original_max_position_embeddings.
  if (typeof scaling === 'string') {
    const original = num(key('rope.scaling.original_context_length'));
    // YaRN's correction range (SCALING_YARN_BETA_FAST / _SLOW, written from rope_scaling.beta_fast / beta_slow).
    const betaFast = num(key('rope.scaling.yarn_beta_fast')),
      betaSlow = num(key('rope.scaling.yarn_beta_slow'));
    config.rope_scaling = {
      type: scaling,
      factor: num(key('rope.scaling.factor')),
      ...(original !== undefined ? { original_max_position_embeddings: original } : {}),
      ...(scaling === 'yarn' && betaFast !== undefined ? { beta_fast: betaFast } : {}),
      ...(scaling === 'yarn' && betaSlow !== undefined ? { beta_slow: betaSlow } : {}),
      // gpt-oss's config.json has rope_scaling.truncate: false (the correction range is not rounded to
      // whole dimensions), which the converter has no key for; llama.cpp rounds it (ggml_rope_yarn_corr_dims),
      // transformers does not, and the executor follows transformers as on the safetensors checkpoint.
      ...(arch === 'gpt-oss' && scaling === 'yarn' ? { truncate: false } : {}),
    };
  }
  // DeepSeek's latent attention, routing and YaRN attention scale under DeepseekV3Config's names (ggufDeepseekConfig.ts).
  if (deepseek) Object.assign(config, deepseekConfigKeys(n, metadata, config.rope_scaling));
  return config;
}
