/**
 * Pieces every architecture map shares: reading head counts from config.json (each family spells
 * them differently), finding the stack of numbered layers in tensor names (never one inside a vision
 * or audio tower or a multimodal projector), and naming the roles of tensors that are not one of the
 * seven matrices.
 */
import { componentOf } from './components';
import { MATRIX_ROLES, type AttentionGeometry, type MatrixRole, type OtherRole, type RoleMatrixRef, type TensorRole } from './types';

export interface Geometry {
  hiddenSize?: number;
  intermediateSize?: number;
  vocabSize?: number;
  numHeads?: number;
  numKvHeads?: number;
  headDim?: number;
}

/**
 * No real dimension comes near 2^24 (the largest vocabularies are ~2^18); a larger value is a damaged
 * or hostile config, and bounding it keeps every product of two dimensions an exact integer.
 */
export const MAX_CONFIG_DIM = 2 ** 24;

function positiveInt(config: Record<string, unknown>, keys: string[]): number | undefined {
  for (const k of keys) {
    const v = config[k];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_CONFIG_DIM) return v;
  }
  return undefined;
}

/**
 * The config that describes the language model: multimodal wrappers (Gemma 3, LLaVA…) keep it in
 * `text_config`; everything else has it at the top level.
 */
export function textConfig(config: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!config) return null;
  const inner = config.text_config;
  if (inner && typeof inner === 'object' && !Array.isArray(inner)) return { ...(inner as Record<string, unknown>) };
  return config;
}

export function modelTypeOf(config: Record<string, unknown> | null): string | undefined {
  const t = config?.model_type;
  return typeof t === 'string' ? t : undefined;
}

/** Falcon's `model_type`, and those of its checkpoints from before transformers had Falcon (custom code). */
const FALCON_TYPES = new Set(['falcon', 'RefinedWeb', 'RefinedWebModel']);

/**
 * Key/value heads where a flag, not only a count, decides them:
 * - Falcon (modeling_falcon.py FalconAttention.__init__): `num_kv_heads` when
 *   `new_decoder_architecture` or not `multi_query`, else 1; `multi_query` defaults to true
 *   (configuration_falcon.py), and `num_kv_heads` to the head count. Custom-code checkpoints name it
 *   `n_head_kv`, whose presence means the new decoder architecture (convert_custom_code_checkpoint.py).
 * - ChatGLM (transformers' glm/convert_glm_weights_to_hf.py convert_config): `multi_query_group_num`
 *   when `multi_query_attention`, else the head count.
 */
function kvHeadsOf(c: Record<string, unknown>, numHeads: number | undefined): number | undefined {
  const counted = positiveInt(c, ['num_key_value_heads', 'n_kv_heads', 'num_kv_heads', 'n_head_kv']);
  if (typeof c.model_type === 'string' && FALCON_TYPES.has(c.model_type)) {
    const newArchitecture = c.new_decoder_architecture === true || (c.new_decoder_architecture === undefined && c.n_head_kv !== undefined);
    if (newArchitecture) return counted ?? numHeads;
    return c.multi_query === false ? numHeads : 1;
  }
  if (c.multi_query_attention === true) return positiveInt(c, ['multi_query_group_num']);
  if (c.multi_query_attention === false) return numHeads;
  return counted ?? numHeads;
}

/**
 * Head counts and sizes under each family's key names (GPT-2 `n_head`, OPT `ffn_dim`, Bloom
 * `n_embed`, ChatGLM `kv_channels` / `ffn_hidden_size` / `padded_vocab_size`, …).
 */
export function readGeometry(config: Record<string, unknown> | null): Geometry {
  const c = textConfig(config);
  if (!c) return {};
  const hiddenSize = positiveInt(c, ['hidden_size', 'n_embd', 'n_embed', 'd_model', 'dim']);
  const numHeads = positiveInt(c, ['num_attention_heads', 'n_head', 'n_heads', 'num_heads']);
  const numKvHeads = kvHeadsOf(c, numHeads);
  const explicitHeadDim = positiveInt(c, ['head_dim', 'kv_channels']);
  const headDim = explicitHeadDim ?? (hiddenSize && numHeads && hiddenSize % numHeads === 0 ? hiddenSize / numHeads : undefined);
  const intermediateSize = positiveInt(c, ['intermediate_size', 'n_inner', 'ffn_dim', 'ffn_hidden_size', 'hidden_dim']);
  const vocabSize = positiveInt(c, ['vocab_size', 'padded_vocab_size', 'n_vocab']);
  return { hiddenSize, intermediateSize, vocabSize, numHeads, numKvHeads, headDim };
}

export function attentionOf(g: Geometry): AttentionGeometry | undefined {
  if (!g.numHeads || !g.numKvHeads || !g.headDim) return undefined;
  if (g.numHeads % g.numKvHeads !== 0) return undefined;
  return { numHeads: g.numHeads, numKvHeads: g.numKvHeads, headDim: g.headDim };
}

/**
 * The prefix `P` of the layer stack whose layers hold `anchor`, i.e. names `P.N.anchor`. A stack inside
 * a vision or audio tower or a multimodal projector is never one (Qwen2.5-VL's `visual.blocks`, 32 by
 * default in Qwen2_5_VLVisionConfig, share the decoder layers' `mlp.down_proj` name and can outnumber
 * them); of the others, the one with the most layers wins.
 */
export function findLayerPrefix(names: Iterable<string>, anchor: string): string | null {
  const counts = new Map<string, number>();
  const tail = '.' + anchor;
  for (const name of names) {
    if (!name.endsWith(tail)) continue;
    const m = /^(.*)\.(\d+)$/.exec(name.slice(0, -tail.length));
    if (m && componentOf(m[1]) === undefined) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [p, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best)! && p.length < best.length)) best = p;
  return best;
}

/** Layer index → (suffix after `P.N.` → tensor name), for the stack with prefix `P`. */
export function groupLayers(names: Iterable<string>, prefix: string): Map<number, Map<string, string>> {
  const layers = new Map<number, Map<string, string>>();
  const head = prefix === '' ? '' : prefix + '.';
  for (const name of names) {
    if (!name.startsWith(head)) continue;
    const m = /^(\d+)\.(.+)$/.exec(name.slice(head.length));
    if (!m) continue;
    const index = Number(m[1]);
    let suffixes = layers.get(index);
    if (!suffixes) layers.set(index, (suffixes = new Map()));
    suffixes.set(m[2], name);
  }
  return layers;
}

/**
 * Role of a tensor outside the layer stack, from the names the common families use (T5/BART keep the
 * token embeddings in `shared`, ChatGLM its head in `output_layer`). Tensors of a vision or audio tower
 * or a projector are `other`: their norms and embeddings are not the language model's.
 */
export function otherRoleOf(name: string): OtherRole {
  if (componentOf(name) !== undefined) return 'other';
  // Multi-token-prediction modules (Qwen3-Next / Qwen3.5 `mtp.*`, ERNIE 4.5 `model.mtp_*`): their norm and head are not the model's.
  if (/^(model\.)?mtp[._]/.test(name)) return 'other';
  if (/(^|\.)(embed_tokens|wte|wpe|embed_in|embed_positions|word_embeddings|position_embeddings|tok_embeddings|shared)\.weight$/.test(name)) return 'embed';
  if (/(^|\.)(lm_head|embed_out|output|output_layer)\.weight$/.test(name)) return 'lm_head';
  if (/(^|\.)(norm|ln_f|final_layer_norm|final_layernorm|norm_f)\.(weight|bias)$/.test(name)) return 'final_norm';
  return 'other';
}

/** Role of a layer tensor no table names: biases and norms are recognisable by name alone. */
export function fallbackLayerRole(suffix: string): TensorRole {
  if (/(^|[._])(norm|layernorm|layer_norm|ln_\d+|ln)[._]/.test(suffix) || /norm\.(weight|bias)$/.test(suffix)) return 'norm';
  if (/\.bias$/.test(suffix) || suffix === 'bias') return 'bias';
  return 'other';
}

/** The same roles in the canonical q, k, v, o, gate, up, down order (so every listing reads alike). */
export function orderedRoles(roles: Partial<Record<MatrixRole, RoleMatrixRef>>): Partial<Record<MatrixRole, RoleMatrixRef>> {
  const out: Partial<Record<MatrixRole, RoleMatrixRef>> = {};
  for (const r of MATRIX_ROLES) if (roles[r]) out[r] = roles[r];
  return out;
}
