/**
 * llama.cpp's tensor names (gguf-py/gguf/constants.py `TENSOR_NAMES`: `token_embd`, `output_norm`,
 * `output`, and per layer `blk.{bid}.…`), which every GGUF file uses whatever model it came from,
 * mapped to roles. Matrices keep the Hugging Face `[out, in]` layout (ggml's `ne` is `[in, out]`,
 * the PyTorch shape is `ne` reversed), experts are `[E, out, in]`.
 *
 * Two layouts differ from the Hugging Face weights and are undone here:
 * - Fused `attn_qkv` is `[q; k; v]` in blocks: llama.cpp's graphs view its output at offsets 0,
 *   n_embd and n_embd + n_embd_gqa (src/llama-model.cpp, `Qcur`/`Kcur`/`Vcur = ggml_view_2d(…)`).
 * - convert_hf_to_gguf.py `LlamaModel.permute` reorders the rows of q_proj (with the head count) and
 *   k_proj (with the key/value head count) of llama-family models, `w.reshape(n_head, 2, rows //
 *   n_head // 2, in).swapaxes(1, 2)`, because llama.cpp's rotary embedding rotates adjacent pairs
 *   where transformers' `rotate_half` rotates the two halves of each head. Stored row `h·hd + 2i + j`
 *   is Hugging Face row `h·hd + j·hd/2 + i`; the role's `rowIndex` gathers them back, so q and k read
 *   exactly as `q_proj.weight` / `k_proj.weight`.
 */
import { blockQkv } from './qkvLayouts';
import { addHybridNotes, gatedQuery } from './qwen3Hybrid';
import { mapFamily } from './mapFamily';
import type { ArchitectureInput, ArchitectureResult } from './result';
import type { Family } from './types';
import type { LayerInfo, TensorRole } from '../types';

/**
 * Architectures whose converter applies LlamaModel.permute to q/k (LlamaModel and the classes that
 * inherit its modify_tensors with `undo_permute` left true). Mistral's own consolidated format is
 * stored unpermuted by MistralModel because it already is in the rotated-pairs order: its GGUF rows
 * are therefore the same as a permuted Hugging Face checkpoint's, and un-permuting gives the
 * Hugging Face MistralForCausalLM weights either way.
 */
export const QK_PERMUTED_ARCHS: ReadonlySet<string> = new Set(['llama', 'deci', 'granite', 'granitemoe', 'bailingmoe', 'llada']);

function norms(suffix: string): TensorRole | undefined {
  if (/^attn_norm(_2)?\.(weight|bias)$/.test(suffix)) return 'attn_norm';
  if (/^ffn_norm\.(weight|bias)$/.test(suffix)) return 'mlp_norm';
  if (/norm(_\w+)?\.(weight|bias)$/.test(suffix)) return 'norm';
  if (/\.bias$/.test(suffix)) return 'bias';
  return undefined;
}

export const GGUF_FAMILY: Family = {
  id: 'gguf',
  label: 'GGUF',
  modelTypes: [],
  anchor: 'attn_norm.weight',
  anchors: ['attn_q.weight', 'attn_qkv.weight', 'ffn_down.weight', 'ffn_down_exps.weight', 'attn_q_a.weight', 'attn_kv_a_mqa.weight'],
  direct: {
    'attn_q.weight': 'q',
    'attn_k.weight': 'k',
    'attn_v.weight': 'v',
    'attn_output.weight': 'o',
    'ffn_gate.weight': 'gate',
    'ffn_up.weight': 'up',
    'ffn_down.weight': 'down',
  },
  fused: { 'attn_qkv.weight': { role: 'qkv', split: blockQkv("'attn_qkv'") } },
  extra: {
    'ffn_gate_inp.weight': 'router',
    'attn_q_a.weight': 'q_a',
    'attn_q_b.weight': 'q_b',
    'attn_kv_a_mqa.weight': 'kv_a',
    'attn_kv_b.weight': 'kv_b',
  },
  moe: {
    // ggufMoeConfig.ts names the count as the Hugging Face config does: num_local_experts for Mixtral, n_routed_experts
    // for DeepSeek (ggufDeepseekConfig.ts), num_experts elsewhere.
    countKeys: ['num_experts', 'num_local_experts', 'n_routed_experts'],
    fused: {
      'ffn_gate_exps.weight': { transposed: false, layout: 'gate' },
      'ffn_up_exps.weight': { transposed: false, layout: 'up' },
      'ffn_down_exps.weight': { transposed: false, layout: 'down' },
      // convert_hf_to_gguf.py --fuse-gate-up-exps (FFN_GATE_UP_EXP): torch.cat((gate, up), dim=1), so
      // gate is the first half of each expert's rows (llama.cpp build_moe_ffn's gate_up_exps views).
      'ffn_gate_up_exps.weight': { transposed: false, layout: 'gate_up_halves' },
    },
    shared: { 'ffn_gate_shexp.weight': 'gate', 'ffn_up_shexp.weight': 'up', 'ffn_down_shexp.weight': 'down' },
    sharedCountKey: 'n_shared_experts',
    auxiliary: { 'exp_probs_b.bias': 'router_bias', 'ffn_gate_inp_shexp.weight': 'shared_expert_gate', 'attn_sinks.weight': 'attn_sinks' },
  },
  mla: true,
  named: norms,
  layersBeyondConfig:
    'a multi-token-prediction (nextn) block, written after the decoder blocks (<arch>.nextn_predict_layers), which llama.cpp loads but does not run; its tensors are listed under Other.',
};

/**
 * llama.cpp's hybrid Gated DeltaNet architectures (convert_hf_to_gguf.py Qwen3NextModel and the Qwen3.5
 * classes built on it; src/models/qwen3next.cpp, qwen35.cpp). A full-attention block's `attn_q` is
 * Hugging Face's q_proj unchanged, each head's query rows then its output-gate rows (the graph views
 * the first head_dim of every 2·head_dim), so q is cut from it as from q_proj. A linear-attention
 * block holds `attn_qkv` (the delta rule's q/k/v, Qwen3-Next's in_proj_qkvz regrouped), `attn_gate`
 * (z) and `ssm_*` (ba or beta/alpha, conv1d, A, dt bias, norm, out): no q/k/v/o roles, as on the
 * safetensors checkpoint (qwen3Hybrid.ts).
 */
const HYBRID_ARCHS: ReadonlySet<string> = new Set(['qwen3next', 'qwen35', 'qwen35moe']);
const LINEAR_TENSORS = new Set(['attn_qkv.weight', 'attn_gate.weight']);
const { 'attn_q.weight': _q, ...nonQuery } = GGUF_FAMILY.direct;
void _q;

const GGUF_HYBRID_FAMILY: Family = {
  ...GGUF_FAMILY,
  direct: nonQuery,
  fused: { 'attn_q.weight': { role: 'qkv', split: gatedQuery } },
  named: (suffix, all) => {
    if (suffix === 'ssm_norm.weight') return 'norm';
    if (suffix === 'ssm_dt.bias') return 'bias';
    if (suffix.startsWith('ssm_') || LINEAR_TENSORS.has(suffix)) return 'other';
    return GGUF_FAMILY.named!(suffix, all);
  },
  checkLayers: (layers, _config, notes) => {
    const linear = layers.filter((l) => l.suffixes?.['ssm_out.weight']).map((l) => l.index);
    addHybridNotes(layers, linear, 'attn_qkv, attn_gate, ssm_*', 'attn_q.weight', notes);
  },
};

/** Rows of the Hugging Face matrix in stored order: `index[s]` is the stored row of HF row s (inverse of LlamaModel.permute). */
export function unpermuteRows(rows: number, heads: number): number[] | string {
  if (rows % (2 * heads) !== 0) return `${rows} rows do not divide into ${heads} heads of pairs`;
  const hd = rows / heads;
  const half = hd / 2;
  const index = new Array<number>(rows);
  for (let h = 0; h < heads; h++) for (let j = 0; j < 2; j++) for (let i = 0; i < half; i++) index[h * hd + j * half + i] = h * hd + 2 * i + j;
  return index;
}

function configInt(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function unpermuteQk(layers: LayerInfo[], config: Record<string, unknown>, notes: string[]): void {
  const heads = configInt(config, 'num_attention_heads');
  const kvHeads = configInt(config, 'num_key_value_heads') ?? heads;
  if (!heads || !kvHeads) {
    if (layers.some((l) => l.roles.q || l.roles.k))
      notes.push("The file gives no attention head count, so the q/k rows stay in llama.cpp's rotated-pairs order (not the Hugging Face order).");
    return;
  }
  for (const l of layers) {
    for (const [role, n] of [
      ['q', heads],
      ['k', kvHeads],
    ] as const) {
      const ref = l.roles[role];
      if (!ref || ref.source.rows || ref.source.rowIndex) continue;
      const index = unpermuteRows(ref.shape[0], n);
      if (typeof index === 'string') {
        notes.push(`Layer ${l.index}: '${ref.source.tensor}' has ${index}; its rows stay in llama.cpp's order.`);
        continue;
      }
      ref.source = { ...ref.source, rowIndex: index };
    }
  }
}

/** Phi-3's and GLM-4's `ffn_up` hold gate_up_proj (`gate, up = chunk(2)`): split into its two halves. */
function splitPhi3GateUp(layers: LayerInfo[]): void {
  for (const l of layers) {
    const up = l.roles.up;
    if (!up || l.roles.gate || up.shape[0] % 2 !== 0 || up.source.rows) continue;
    const f = up.shape[0] / 2;
    l.roles = {
      ...l.roles,
      gate: { ...up, role: 'gate', shape: [f, up.shape[1]], source: { ...up.source, rows: [0, f] } },
      up: { ...up, shape: [f, up.shape[1]], source: { ...up.source, rows: [f, 2 * f] } },
    };
    if (l.tensorRoles) l.tensorRoles[up.source.tensor] = 'gate_up';
  }
}

const K_B = 'attn_k_b.weight',
  V_B = 'attn_v_b.weight';

/**
 * DeepSeek's kv_b_proj where the converter split it into `attn_k_b` / `attn_v_b`
 * (convert_hf_to_gguf.py `DeepseekV2Model.modify_tensors`; gguf-py constants.py `ATTN_K_B`,
 * `ATTN_V_B`): a `kv_b` matrix composed of both (RoleSource `mlaKvB`), rebuilt on reading by
 * model/gguf/ggufMlaTensors.ts, so weight analyses see the kv_b of older files (`attn_kv_b`) and of
 * the safetensors original. The sizes come from the metadata (ggufDeepseekConfig.ts); the stored
 * shapes are checked against them when read. Like llama.cpp, the split pair is preferred to a
 * leftover `attn_kv_b`.
 */
function composeSplitKvB(layers: LayerInfo[], config: Record<string, unknown>, notes: string[]): void {
  const split = layers.filter((l) => l.suffixes?.[K_B] || l.suffixes?.[V_B]);
  if (!split.length) return;
  const keys = ['num_attention_heads', 'qk_nope_head_dim', 'v_head_dim', 'kv_lora_rank'] as const;
  const [heads, nope, v, rank] = keys.map((k) => configInt(config, k));
  if (!heads || !nope || !v || !rank) {
    const missing = keys.filter((k) => !configInt(config, k)).join(', ');
    notes.push(`The file holds kv_b_proj split into attn_k_b / attn_v_b, but its metadata gives no ${missing}, so there is no kv_b matrix to rebuild.`);
    return;
  }
  for (const l of split) {
    const kb = l.suffixes![K_B],
      vb = l.suffixes![V_B];
    if (!kb || !vb) {
      const [has, lacks] = kb ? [kb, `blk.${l.index}.${V_B}`] : [vb, `blk.${l.index}.${K_B}`];
      notes.push(`Layer ${l.index} has '${has}' but no '${lacks}', so its kv_b_proj cannot be rebuilt${l.extra?.kv_b ? '; kv_b is read from attn_kv_b' : ''}.`);
      continue;
    }
    const source = { tensor: kb, transpose: false, mlaKvB: { vb, heads, nope, v, rank } };
    l.extra = { ...l.extra, kv_b: { role: 'kv_b', layer: l.index, shape: [heads * (nope + v), rank], source } };
    if (l.tensorRoles) l.tensorRoles[kb] = l.tensorRoles[vb] = 'kv_b';
  }
}

/** The role map of a model opened from a GGUF file (config synthesised by model/gguf/ggufConfig.ts). */
export function mapGguf(input: ArchitectureInput): ArchitectureResult {
  const config = input.config ?? {};
  const arch = String(config.gguf_architecture);
  const modelType = typeof config.model_type === 'string' ? config.model_type : arch;
  const cls = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : arch;
  const result = mapFamily(HYBRID_ARCHS.has(arch) ? GGUF_HYBRID_FAMILY : GGUF_FAMILY, input, modelType, `${cls} from GGUF`);
  if (QK_PERMUTED_ARCHS.has(arch)) unpermuteQk(result.layers, config, result.notes);
  // GLM-4-0414's mlp.gate_up_proj is written whole as ffn_up (tensor_mapping.py FFN_UP: "phi3 glm-4-0414").
  if (arch === 'phi3' || arch === 'glm4') splitPhi3GateUp(result.layers);
  composeSplitKvB(result.layers, config, result.notes);
  for (const name of input.tensors.keys()) {
    if (name === 'token_embd.weight') result.otherRoles.set(name, 'embed');
    else if (name === 'output_norm.weight' || name === 'output_norm.bias') result.otherRoles.set(name, 'final_norm');
    else if (name === 'output.weight') result.otherRoles.set(name, 'lm_head');
  }
  const embed = input.tensors.get('token_embd.weight');
  if (result.vocabSize === undefined && embed?.shape.length === 2) result.vocabSize = embed.shape[0];
  return result;
}

/** Whether a config was synthesised from a GGUF file (model/gguf/ggufConfig.ts sets `gguf_architecture`). */
export function isGgufConfig(config: Record<string, unknown> | null): boolean {
  return typeof config?.gguf_architecture === 'string';
}
