/**
 * Multi-head latent attention of DeepSeek-V3 (transformers `models/deepseek_v3/modular_deepseek_v3.py`,
 * DeepseekV3Attention), written against BlockOps:
 *
 *   q      = q_b(rms(q_a x)) with q_lora_rank, else q_proj x           → per head [nope | rope]
 *   [c|kr] = kv_a_proj_with_mqa x;  [k_nope | v] = kv_b(rms(c)) per head; kr one rope key for all heads
 *   q_rot, kr rotated (rotate_half RoPE over qk_rope_head_dim; with `rope_interleave` the rope dims
 *   are first de-interleaved, x[0], x[2], … | x[1], x[3], …: apply_rotary_pos_emb_interleave)
 *   scores = (q_nope·k_nopeᵀ + q_rot·krᵀ) · scaling, scaling = qk_head_dim^-½ (· mscale² under YaRN
 *   with mscale_all_dim), causal softmax, · v, o_proj.
 *
 * DeepSeek-V2 (`models/deepseek_v2/modular_deepseek_v2.py`, DeepseekV2Attention) is the same
 * attention with the rotation done on complex pairs (x[2j], x[2j+1]) (apply_rotary_emb): the
 * de-interleaved rotate_half rotation gives the same q·k; transformers' V2 scaling is qk_head_dim^-½
 * without the YaRN mscale².
 *
 * The rope key is shared by all heads, so it is one [B, 1, T, rope] matrix broadcast in the
 * product instead of being expanded and concatenated.
 */
import type { BlockOps, LayerWeight } from './ops';

export interface MlaConfig {
  /** null: one q_proj instead of the q_a/q_b factors. */
  qLoraRank: number | null;
  kvLoraRank: number;
  nope: number;
  rope: number;
  vHead: number;
  /** De-interleave the rope dims before rotating (DeepseekV3Config.rope_interleave, default true). */
  interleave: boolean;
  /** Multiplies q·k. */
  scaling: number;
}

function yarnMscale(scale: number, mscale: number): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

function positiveInt(cfg: Record<string, unknown>, key: string): number {
  const v = cfg[key];
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new Error(`config.json has no positive integer "${key}", which multi-head latent attention needs`);
}

/** DeepseekV3Attention's (or V2's, `v2`) sizes and scaling from config.json. */
export function mlaConfigFromJson(cfg: Record<string, unknown>, v2 = false): MlaConfig {
  if (cfg.attention_bias === true) throw new Error('DeepSeek attention with attention_bias: true is not supported by the executor');
  const nope = positiveInt(cfg, 'qk_nope_head_dim'),
    rope = positiveInt(cfg, 'qk_rope_head_dim');
  if (rope % 2 !== 0) throw new Error(`qk_rope_head_dim ${rope} must be even`);
  let scaling = 1 / Math.sqrt(nope + rope);
  const rs = (cfg.rope_scaling ?? cfg.rope_parameters) as Record<string, unknown> | null | undefined;
  const type = rs ? String(rs.rope_type ?? rs.type ?? 'default') : 'default';
  if (rs && type !== 'default' && !v2) {
    const all = typeof rs.mscale_all_dim === 'number' ? rs.mscale_all_dim : 0;
    if (all) {
      const m = yarnMscale(Number(rs.factor), all);
      scaling *= m * m;
    }
  }
  return {
    qLoraRank: cfg.q_lora_rank === null || cfg.q_lora_rank === undefined ? null : positiveInt(cfg, 'q_lora_rank'),
    kvLoraRank: positiveInt(cfg, 'kv_lora_rank'),
    nope,
    rope,
    vHead: positiveInt(cfg, 'v_head_dim'),
    interleave: v2 || cfg.rope_interleave !== false,
    scaling,
  };
}

/** Graph weight inputs of the attention (all `[out, in]`). */
export function mlaWeights(d: number, H: number, m: MlaConfig): LayerWeight[] {
  const qk = m.nope + m.rope;
  return [
    ...(m.qLoraRank === null
      ? [{ key: 'q.weight', dims: [H * qk, d] }]
      : [
          { key: 'q_a.weight', dims: [m.qLoraRank, d] },
          { key: 'q_a_norm.weight', dims: [m.qLoraRank] },
          { key: 'q_b.weight', dims: [H * qk, m.qLoraRank] },
        ]),
    { key: 'kv_a.weight', dims: [m.kvLoraRank + m.rope, d] },
    { key: 'kv_a_norm.weight', dims: [m.kvLoraRank] },
    { key: 'kv_b.weight', dims: [H * (m.nope + m.vHead), m.kvLoraRank] },
    { key: 'o.weight', dims: [d, H * m.vHead] },
  ];
}

/** Checkpoint names (inside the layer prefix) of the attention weights. */
export const MLA_NAMES: Record<string, string> = {
  'q.weight': 'self_attn.q_proj.weight',
  'q_a.weight': 'self_attn.q_a_proj.weight',
  'q_a_norm.weight': 'self_attn.q_a_layernorm.weight',
  'q_b.weight': 'self_attn.q_b_proj.weight',
  'kv_a.weight': 'self_attn.kv_a_proj_with_mqa.weight',
  'kv_a_norm.weight': 'self_attn.kv_a_layernorm.weight',
  'kv_b.weight': 'self_attn.kv_b_proj.weight',
  'o.weight': 'self_attn.o_proj.weight',
};

/** out[j] = x[2j], out[half + j] = x[2j + 1]: x·P de-interleaves the rope dims. */
function deinterleaveMatrix(n: number): number[] {
  const P = new Array<number>(n * n).fill(0);
  for (let j = 0; j < n / 2; j++) {
    P[2 * j * n + j] = 1;
    P[(2 * j + 1) * n + n / 2 + j] = 1;
  }
  return P;
}

/**
 * The attention output [B, T, d] of `h` (the normed input [B, T, d]); `rope(x)` rotates [.., T, rope]
 * with the block's tables; `mask` is the additive causal mask [T, T].
 */
export function buildMla<V>(g: BlockOps<V>, m: MlaConfig, H: number, W: Record<string, V>, h: V, rope: (x: V) => V, mask: V): V {
  const lin = (v: V, key: string) => (g.linear ? g.linear(v, W[key], undefined, true) : g.matmul(v, g.transpose(W[key], [1, 0])));
  // q_a_layernorm and kv_a_layernorm are DeepseekV3RMSNorm(rank) with the class's default eps 1e-6, not rms_norm_eps.
  const rms = (v: V, key: string) => g.mul(g.div(v, g.sqrt(g.add(g.meanLastAxis(g.mul(v, v)), g.constant([1e-6], [])))), W[key]);
  const qk = m.nope + m.rope;
  const qFlat = m.qLoraRank === null ? lin(h, 'q.weight') : lin(rms(lin(h, 'q_a.weight'), 'q_a_norm.weight'), 'q_b.weight');
  const q = g.transpose(g.reshape(qFlat, [0, 0, H, qk]), [0, 2, 1, 3]); // [B, H, T, qk]
  const kva = lin(h, 'kv_a.weight'); // [B, T, kvLora + rope]
  const c = g.sliceLastAxis(kva, 0, m.kvLoraRank);
  const kv = g.transpose(g.reshape(lin(rms(c, 'kv_a_norm.weight'), 'kv_b.weight'), [0, 0, H, m.nope + m.vHead]), [0, 2, 1, 3]); // [B, H, T, nope + v]
  const P = m.interleave ? g.constant(deinterleaveMatrix(m.rope), [m.rope, m.rope]) : undefined;
  const rot = (x: V) => rope(P ? g.matmul(x, P) : x);
  const qRot = rot(g.sliceLastAxis(q, m.nope, qk));
  const kRot = rot(g.reshape(g.sliceLastAxis(kva, m.kvLoraRank, m.kvLoraRank + m.rope), [0, 1, -1, m.rope])); // [B, 1, T, rope]
  const kT = (x: V) => g.transpose(x, [0, 1, 3, 2]);
  const scores = g.add(
    g.mul(g.add(g.matmul(g.sliceLastAxis(q, 0, m.nope), kT(g.sliceLastAxis(kv, 0, m.nope))), g.matmul(qRot, kT(kRot))), g.constant([m.scaling], [])),
    mask,
  );
  const attn = g.matmul(g.softmaxLastAxis(scores), g.sliceLastAxis(kv, m.nope, m.nope + m.vHead)); // [B, H, T, v]
  return lin(g.reshape(g.transpose(attn, [0, 2, 1, 3]), [0, 0, H * m.vHead]), 'o.weight');
}
