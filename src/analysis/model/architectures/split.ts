/**
 * How fused tensors split into the seven matrices, each matching the Hugging Face forward pass that
 * consumes it (quoted per function), so a split row is exactly the row the model multiplies with.
 */
import type { Geometry } from '../roles';
import type { FusedPart } from './types';

/** Equal consecutive blocks, e.g. GPT-2 `c_attn` (`split(split_size, dim=2)` → q, k, v). */
export function equalBlocks(roles: FusedPart['role'][], rows: number, what: string): FusedPart[] | string {
  if (rows % roles.length !== 0) return `${what} has ${rows} output rows, not divisible into ${roles.length} equal parts`;
  const n = rows / roles.length;
  return roles.map((role, i) => ({ role, rows: [i * n, (i + 1) * n] as [number, number] }));
}

/**
 * Phi-3 `qkv_proj`: q rows first (heads × head_dim), then k and v (kv heads × head_dim each), as in
 * `query_pos = num_heads * head_dim; qkv[..., :query_pos]`, then the kv blocks.
 */
export function phi3Qkv(rows: number, g: Geometry): FusedPart[] | string {
  if (!g.numHeads || !g.numKvHeads || !g.headDim) return 'splitting qkv_proj needs num_attention_heads (and hidden_size or head_dim) in config.json';
  const q = g.numHeads * g.headDim;
  const kv = g.numKvHeads * g.headDim;
  if (q + 2 * kv !== rows) return `qkv_proj has ${rows} output rows but config.json implies ${q} + 2 × ${kv} = ${q + 2 * kv}`;
  return [
    { role: 'q', rows: [0, q] },
    { role: 'k', rows: [q, q + kv] },
    { role: 'v', rows: [q + kv, q + 2 * kv] },
  ];
}

/**
 * GPT-NeoX `query_key_value`: per-head interleaved. The forward pass views the output as
 * `[…, num_heads, 3 * head_size]` and chunks the last axis, so head h owns rows
 * `3·hd·h … 3·hd·(h+1)` as [q_h; k_h; v_h].
 */
export function neoxQkv(rows: number, g: Geometry): FusedPart[] | string {
  if (!g.numHeads) return 'splitting query_key_value needs num_attention_heads in config.json';
  if (rows % (3 * g.numHeads) !== 0) return `query_key_value has ${rows} output rows, not 3 × ${g.numHeads} heads × head size`;
  const hd = rows / (3 * g.numHeads);
  const parts: FusedPart[] = (['q', 'k', 'v'] as const).map((role) => ({ role, rowIndex: [] as number[] }));
  for (let h = 0; h < g.numHeads; h++) {
    for (let p = 0; p < 3; p++) {
      const base = h * 3 * hd + p * hd;
      for (let i = 0; i < hd; i++) parts[p].rowIndex!.push(base + i);
    }
  }
  return parts;
}
