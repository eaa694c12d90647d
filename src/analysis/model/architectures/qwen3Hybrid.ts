/**
 * The hybrid Gated-DeltaNet families: Qwen3-Next (Qwen3NextForCausalLM), Qwen3.5
 * (Qwen3_5ForConditionalGeneration / Qwen3_5ForCausalLM) and Qwen3.5-MoE
 * (Qwen3_5MoeForConditionalGeneration / Qwen3_5MoeForCausalLM), from transformers
 * `models/qwen3_next/modeling_qwen3_next.py` (Qwen3NextAttention, Qwen3NextGatedDeltaNet,
 * Qwen3NextSparseMoeBlock, Qwen3NextDecoderLayer), `models/qwen3_5/modular_qwen3_5.py`
 * (Qwen3_5GatedDeltaNet, Qwen3_5Attention = Qwen3NextAttention, Qwen3_5DecoderLayer) and
 * `models/qwen3_5_moe/modular_qwen3_5_moe.py` (Qwen3_5MoeExperts = Qwen3NextExperts,
 * Qwen3_5MoeSparseMoeBlock = Qwen3NextSparseMoeBlock, Qwen3_5MoeDecoderLayer).
 *
 * Each decoder layer mixes tokens one of two ways, by `layer_types[i]` (default: full attention
 * every `full_attention_interval`-th layer, interval 4, Qwen3NextConfig):
 * - `full_attention`: `self_attn.q_proj` is `[H·hd·2, d]` — Qwen3NextAttention.forward takes
 *   `torch.chunk(q_proj(x).view(…, -1, hd * 2), 2, dim=-1)`, so head h owns rows `2h·hd … 2h·hd+hd`
 *   as its query and the next hd rows as its output gate (`o_proj(attn · sigmoid(gate))`). Role q is
 *   the query rows only; k/v `[KV·hd, d]` and o `[d, H·hd]` are plain nn.Linear; q_norm/k_norm `[hd]`.
 * - `linear_attention` (Gated DeltaNet): `linear_attn.in_proj_qkv` `[2·Kd + Vd, d]`, `in_proj_z`
 *   `[Vd, d]`, `in_proj_b` / `in_proj_a` `[nv, d]` (Qwen3.5), or Qwen3-Next's `in_proj_qkvz`
 *   `[2·Kd + 2·Vd, d]` grouped per key head (fix_query_key_value_ordering) and `in_proj_ba`
 *   `[2·nv, d]`; then `conv1d` `[2·Kd + Vd, 1, K]`, `dt_bias`, `A_log` `[nv]`, the gated norm `[dv]`
 *   and `out_proj` `[d, Vd]`. These heads have their own geometry (linear_num_key_heads,
 *   linear_key_head_dim…) and a recurrent delta rule instead of softmax attention, so the layer gets
 *   no q/k/v/o roles: mixing them into those kinds would make a layer-by-layer comparison of q
 *   compare different mechanisms. Their tensors are listed with the layer as `other`.
 * The MLP: Qwen3.5 dense `mlp.{gate,up,down}_proj` in every layer; Qwen3.5-MoE a sparse block in
 * every layer (router `mlp.gate` `[E, d]`, experts fused on disk as `mlp.experts.gate_up_proj`
 * `[E, 2I, d]` and `down_proj` `[E, d, I]`, or per expert in re-exported checkpoints, one
 * `mlp.shared_expert` and its `[1, d]` sigmoid gate `mlp.shared_expert_gate`); Qwen3-Next Qwen2-MoE's
 * rule and names (qwen2Moe.ts).
 * Qwen3.5 checkpoints are multimodal (`model.language_model.layers.N`, `model.visual.*`, the text
 * config under `text_config`); Qwen3-Next's are `model.layers.N`. All carry multi-token-prediction
 * tensors `mtp.*` outside the stack, which transformers ignores (`_keys_to_ignore_on_load_unexpected
 * = [r"^mtp.*"]`); no anchor matches them as the decoder stack.
 */
import type { LayerInfo, TensorRole } from '../types';
import type { Geometry } from '../roles';
import { expertMlp, intOr, v5FusedExperts } from './moeCommon';
import { denseMlp, llamaNorms } from './llamaNames';
import { qwenExperts } from './qwen2Moe';
import type { Family, FusedPart, LayerCheck, MoeSpec } from './types';

/** Qwen3NextAttention's q_proj: per head, hd query rows then hd output-gate rows; q is the query rows. */
export function gatedQuery(rows: number, g: Geometry): FusedPart[] | string {
  if (!g.numHeads || !g.headDim) return 'splitting q_proj into query and output-gate rows needs num_attention_heads and head_dim in config.json';
  const want = 2 * g.numHeads * g.headDim;
  if (rows !== want)
    return `q_proj has ${rows} output rows, but config.json implies ${want} (${g.numHeads} heads × head_dim ${g.headDim} query rows, each followed by as many output-gate rows)`;
  const rowIndex: number[] = [];
  for (let h = 0; h < g.numHeads; h++) for (let i = 0; i < g.headDim; i++) rowIndex.push(2 * h * g.headDim + i);
  return [{ role: 'q', rowIndex }];
}

const ATTENTION = {
  'self_attn.k_proj.weight': 'k',
  'self_attn.v_proj.weight': 'v',
  'self_attn.o_proj.weight': 'o',
} as const;

const Q_PROJ = 'self_attn.q_proj.weight';

function hybridNames(suffix: string): TensorRole | undefined {
  const norm = llamaNorms(suffix);
  if (norm) return norm;
  if (suffix === 'self_attn.q_norm.weight' || suffix === 'self_attn.k_norm.weight' || suffix === 'linear_attn.norm.weight') return 'norm';
  // dt_bias is added to the decay input before softplus: a bias. The rest of the Gated DeltaNet
  // (its projections, conv1d, A_log) is no role of softmax attention.
  if (suffix === 'linear_attn.dt_bias') return 'bias';
  if (suffix.startsWith('linear_attn.')) return 'other';
  return undefined;
}

type LayerType = 'linear_attention' | 'full_attention';

/** config.json's `layer_types`, or Qwen3NextConfig's default from `full_attention_interval` (4). */
function layerTypes(config: Record<string, unknown>, count: number): { types: LayerType[]; from: string } {
  const listed = config.layer_types;
  if (Array.isArray(listed) && listed.length >= count && listed.every((t) => t === 'linear_attention' || t === 'full_attention'))
    return { types: listed as LayerType[], from: 'layer_types' };
  const interval = intOr(config, 'full_attention_interval', 4) || 4;
  return {
    types: Array.from({ length: count }, (_, i) => ((i + 1) % interval ? 'linear_attention' : 'full_attention')),
    from: `full_attention_interval = ${interval}`,
  };
}

/** `0–2, 4–6, 8`: a sorted index list as ranges. */
function ranges(indices: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    out.push(i === j ? `${indices[i]}` : `${indices[i]}–${indices[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

const storesLinear = (l: LayerInfo) => Object.keys(l.suffixes ?? {}).some((s) => s.startsWith('linear_attn.'));
const storesAttention = (l: LayerInfo) => Object.keys(l.suffixes ?? {}).some((s) => s.startsWith('self_attn.'));

/**
 * Which layers are linear attention (said once, with what that means for the q/k/v/o kinds), whether
 * that matches config.json, and that q is the query half of q_proj.
 */
const checkHybridLayers: LayerCheck = (layers, config, notes) => {
  const maxIndex = layers.reduce((m, l) => Math.max(m, l.index), -1);
  const { types, from } = layerTypes(config, maxIndex + 1);
  const linear: number[] = [];
  for (const l of layers) {
    const isLinear = storesLinear(l);
    const isFull = storesAttention(l);
    if (isLinear) linear.push(l.index);
    const declared = types[l.index];
    if (isLinear && isFull) notes.add(`Layer ${l.index} stores both linear_attn.* and self_attn.* tensors; only one of them runs in the model.`);
    else if (isLinear && declared === 'full_attention')
      notes.add(`config.json (${from}) makes layer ${l.index} a full-attention layer, but it stores linear-attention (linear_attn.*) tensors.`);
    else if (isFull && declared === 'linear_attention')
      notes.add(`config.json (${from}) makes layer ${l.index} a linear-attention layer, but it stores full-attention (self_attn.*) tensors.`);
  }
  addHybridNotes(layers, linear, 'linear_attn.*', Q_PROJ, notes);
};

/**
 * The two notes of a hybrid model (also for its GGUF conversion, architectures/gguf.ts): which layers
 * are Gated DeltaNet layers (`linearTensors` names their tensors) and that q is the query half of the
 * gated query projection `qTensor`.
 */
export function addHybridNotes(layers: readonly LayerInfo[], linear: number[], linearTensors: string, qTensor: string, notes: Set<string>): void {
  if (linear.length)
    notes.add(
      `Layers ${ranges(linear)} (${linear.length} of ${layers.length}) are Gated DeltaNet linear-attention layers (${linearTensors}): their heads have another geometry and no softmax, so they have no q/k/v/o matrices. The q, k, v and o kinds and the per-head views cover the full-attention layers only.`,
    );
  const q = qTensor
    .replace(/\.weight$/, '')
    .split('.')
    .pop();
  if (layers.some((l) => l.roles.q?.source.rowIndex && l.suffixes?.[qTensor]))
    notes.add(`${q} holds each head's query rows followed by its output-gate rows; q is the query rows (the gate rows are not one of the seven matrices).`);
}

const HYBRID_ATTENTION = {
  direct: ATTENTION,
  fused: { [Q_PROJ]: { role: 'qkv' as const, split: gatedQuery } },
  named: hybridNames,
  checkLayers: checkHybridLayers,
};

export const qwen3Next: Family = {
  id: 'qwen3_next',
  label: 'Qwen3-Next',
  modelTypes: ['qwen3_next'],
  anchor: 'linear_attn.in_proj_qkvz.weight',
  anchors: ['post_attention_layernorm.weight'],
  ...HYBRID_ATTENTION,
  direct: { ...ATTENTION, ...denseMlp('mlp') },
  extra: { 'mlp.gate.weight': 'router' },
  moe: {
    ...qwenExperts,
    shared: expertMlp('mlp.shared_expert'),
    auxiliary: { 'mlp.shared_expert_gate.weight': 'shared_expert_gate' },
  },
};

export const qwen35: Family = {
  id: 'qwen3_5',
  label: 'Qwen3.5',
  modelTypes: ['qwen3_5', 'qwen3_5_text'],
  anchor: 'linear_attn.in_proj_qkv.weight',
  anchors: ['post_attention_layernorm.weight'],
  ...HYBRID_ATTENTION,
  direct: { ...ATTENTION, ...denseMlp('mlp') },
};

/** Qwen3_5MoeDecoderLayer: `self.mlp = Qwen3_5MoeSparseMoeBlock(config)` in every layer. */
const qwen35Experts: MoeSpec = {
  countKeys: ['num_experts'],
  perExpert: { prefix: 'mlp.experts.', names: expertMlp() },
  fused: v5FusedExperts('mlp'),
  shared: expertMlp('mlp.shared_expert'),
  auxiliary: { 'mlp.shared_expert_gate.weight': 'shared_expert_gate' },
  isMoeLayer: () => true,
};

export const qwen35Moe: Family = {
  id: 'qwen3_5_moe',
  label: 'Qwen3.5-MoE',
  modelTypes: ['qwen3_5_moe', 'qwen3_5_moe_text'],
  anchor: 'linear_attn.in_proj_qkv.weight',
  anchors: ['post_attention_layernorm.weight'],
  ...HYBRID_ATTENTION,
  extra: { 'mlp.gate.weight': 'router' },
  moe: qwen35Experts,
};
