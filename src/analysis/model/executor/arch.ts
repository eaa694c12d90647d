/**
 * How each family's checkpoint maps onto the canonical block of block.ts: the BlockSpec of a layer
 * and where each canonical weight comes from. Fused tensors are split here, once per layer read:
 * GPT-2's Conv1D `c_attn` [d, 3d] by column blocks, GPT-NeoX's `query_key_value` [3d, d] by its
 * per-head interleaved rows ([h][q|k|v][hd]).
 */
import type { DecoderConfig } from './config';
import type { BlockSpec } from './block';
import { blockWeights } from './block';
import type { WeightSource } from './weights';
import type { MatrixRole } from '../types';
import { MOE_KEYS, readMoeWeights } from './moeWeights';
import { MLA_NAMES } from './mla';
import type { MoeConfig } from './moeConfig';
import type { MoeSpec } from './moeBlock';

type Arr = Float32Array | Float64Array;

const LLAMA_NAMES: Record<string, string> = {
  'attn_norm.weight': 'input_layernorm.weight',
  'q_norm.weight': 'self_attn.q_norm.weight',
  'k_norm.weight': 'self_attn.k_norm.weight',
  sinks: 'self_attn.sinks',
  'mlp_norm.weight': 'post_attention_layernorm.weight',
  ...Object.fromEntries(['q', 'k', 'v', 'o'].flatMap((r) => ['weight', 'bias'].map((p) => [`${r}.${p}`, `self_attn.${r}_proj.${p}`]))),
  ...Object.fromEntries(['gate', 'up', 'down'].flatMap((r) => ['weight', 'bias'].map((p) => [`${r}.${p}`, `mlp.${r}_proj.${p}`]))),
};

const GPT2_NAMES: Record<string, string> = {
  'attn_norm.weight': 'ln_1.weight',
  'attn_norm.bias': 'ln_1.bias',
  'o.weight': 'attn.c_proj.weight',
  'o.bias': 'attn.c_proj.bias',
  'mlp_norm.weight': 'ln_2.weight',
  'mlp_norm.bias': 'ln_2.bias',
  'up.weight': 'mlp.c_fc.weight',
  'up.bias': 'mlp.c_fc.bias',
  'down.weight': 'mlp.c_proj.weight',
  'down.bias': 'mlp.c_proj.bias',
};

const NEOX_NAMES: Record<string, string> = {
  'attn_norm.weight': 'input_layernorm.weight',
  'attn_norm.bias': 'input_layernorm.bias',
  'o.weight': 'attention.dense.weight',
  'o.bias': 'attention.dense.bias',
  'mlp_norm.weight': 'post_attention_layernorm.weight',
  'mlp_norm.bias': 'post_attention_layernorm.bias',
  'up.weight': 'mlp.dense_h_to_4h.weight',
  'up.bias': 'mlp.dense_h_to_4h.bias',
  'down.weight': 'mlp.dense_4h_to_h.weight',
  'down.bias': 'mlp.dense_4h_to_h.bias',
};

/** Checkpoint name (inside the layer prefix) of a canonical weight stored as is, or null if it is a slice of a fused tensor. */
export function checkpointKey(cfg: DecoderConfig, key: string): string | null {
  if (cfg.mla && MLA_NAMES[key]) return MLA_NAMES[key];
  const table = cfg.family === 'llama' ? LLAMA_NAMES : cfg.family === 'gpt2' ? GPT2_NAMES : NEOX_NAMES;
  return table[key] ?? null;
}

/** The canonical weight key of each matrix role (roles the family lacks — GPT-2/NeoX have no gate — are absent). */
export function roleKeys(cfg: DecoderConfig): Partial<Record<MatrixRole, string>> {
  const roles: MatrixRole[] = cfg.family === 'llama' ? ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] : ['q', 'k', 'v', 'o', 'up', 'down'];
  return Object.fromEntries(roles.map((r) => [r, `${r}.weight`]));
}

function moeSpecOf(m: MoeConfig): MoeSpec {
  const { moeLayers: _layers, ...spec } = m;
  return spec;
}

export function layerSpec(cfg: DecoderConfig, has: (name: string) => boolean, layer: number): BlockSpec {
  const p = cfg.names.layer(layer);
  const mlp = cfg.hiddenAct === 'silu' ? 'swiglu' : cfg.hiddenAct === 'gelu' ? 'gelu_erf' : 'gelu_tanh';
  switch (cfg.family) {
    case 'llama': {
      const m = cfg.moe && cfg.moe.moeLayers[layer] ? cfg.moe : null;
      const window = cfg.slidingWindow !== null && (cfg.slidingLayers?.[layer] ?? true);
      return {
        norm: 'rms',
        mlp,
        weightLayout: 'out_in',
        qkvBias: has(p + 'self_attn.q_proj.bias'),
        oBias: has(p + 'self_attn.o_proj.bias'),
        mlpBias: !m && has(p + 'mlp.gate_proj.bias'),
        qkNorm: has(p + 'self_attn.q_norm.weight') ? cfg.qkNormScope : 'none',
        rope: true,
        parallelResidual: false,
        moe: m && moeSpecOf(m),
        sinks: cfg.attentionSinks,
        window,
        mla: cfg.mla !== null,
      };
    }
    case 'gpt2':
      return {
        norm: 'layer',
        mlp,
        weightLayout: 'in_out',
        qkvBias: has(p + 'attn.c_attn.bias'),
        oBias: has(p + 'attn.c_proj.bias'),
        mlpBias: has(p + 'mlp.c_fc.bias'),
        qkNorm: 'none',
        rope: false,
        parallelResidual: false,
        moe: null,
        sinks: false,
        window: false,
        mla: false,
      };
    case 'gpt_neox':
      return {
        norm: 'layer',
        mlp,
        weightLayout: 'out_in',
        qkvBias: has(p + 'attention.query_key_value.bias'),
        oBias: has(p + 'attention.dense.bias'),
        mlpBias: has(p + 'mlp.dense_h_to_4h.bias'),
        qkNorm: 'none',
        rope: cfg.partialRotaryFactor > 0,
        parallelResidual: cfg.parallelResidual,
        moe: null,
        sinks: false,
        window: false,
        mla: false,
      };
  }
}

/** Copies the given rows (each `rowLen` long) of `src` into a new array of the same kind. */
function gatherRows(src: Arr, rows: number[], rowLen: number): Arr {
  const out = src instanceof Float64Array ? new Float64Array(rows.length * rowLen) : new Float32Array(rows.length * rowLen);
  rows.forEach((r, i) => out.set(src.subarray(r * rowLen, (r + 1) * rowLen), i * rowLen));
  return out;
}

/** Columns c0..c1 of a [rows, cols] matrix. */
function sliceColumns(src: Arr, rows: number, cols: number, c0: number, c1: number): Arr {
  const w = c1 - c0;
  const out = src instanceof Float64Array ? new Float64Array(rows * w) : new Float32Array(rows * w);
  for (let i = 0; i < rows; i++) out.set(src.subarray(i * cols + c0, i * cols + c1), i * w);
  return out;
}

/** Every canonical weight of one layer (blockWeights order), in storage layout. */
export async function readLayerWeights(cfg: DecoderConfig, spec: BlockSpec, source: WeightSource, layer: number): Promise<Record<string, Arr>> {
  const p = cfg.names.layer(layer);
  const out: Record<string, Arr> = {};
  const d = cfg.hiddenSize,
    hd = cfg.headDim,
    H = cfg.numHeads;
  let fused: { w: Arr; b?: Arr } | null = null;
  const fusedName = cfg.family === 'gpt2' ? 'attn.c_attn' : 'attention.query_key_value';
  if (spec.moe) Object.assign(out, await readMoeWeights(cfg, spec.moe, source, layer));
  for (const { key } of blockWeights(cfg, spec)) {
    if (MOE_KEYS.has(key)) continue;
    const direct = checkpointKey(cfg, key);
    if (direct !== null) {
      out[key] = await source.read(p + direct);
      continue;
    }
    fused ??= { w: await source.read(`${p}${fusedName}.weight`), b: spec.qkvBias ? await source.read(`${p}${fusedName}.bias`) : undefined };
    const [role, part] = key.split('.') as ['q' | 'k' | 'v', 'weight' | 'bias'];
    const which = { q: 0, k: 1, v: 2 }[role];
    if (cfg.family === 'gpt2') {
      // Conv1D [d, 3d]: q | k | v along the output (column) axis.
      out[key] = part === 'weight' ? sliceColumns(fused.w, d, 3 * d, which * d, (which + 1) * d) : fused.b!.slice(which * d, (which + 1) * d);
    } else {
      // NeoX [3d, d]: for head h, rows h·3hd + which·hd … + hd.
      const rows = Array.from({ length: H * hd }, (_, i) => Math.floor(i / hd) * 3 * hd + which * hd + (i % hd));
      out[key] = gatherRows(part === 'weight' ? fused.w : fused.b!, rows, part === 'weight' ? d : 1);
    }
  }
  return out;
}
