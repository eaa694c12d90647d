/**
 * MPT (models/mpt/modeling_mpt.py), under `transformer.blocks.N`: MptAttention's fused `attn.Wqkv`
 * `[3·d, d]`, split by `mixed_qkv.chunk(3, dim=2)` into q, k, v (equal thirds, every one
 * `n_heads · head_dim`), and `attn.out_proj` (o); MptMLP's gate-less `ffn.up_proj` and
 * `ffn.down_proj`; MptBlock's `norm_1` (before attention) and `norm_2` (before the MLP), weight only.
 * All nn.Linear, `[out, in]`, without biases.
 */
import type { Geometry } from '../roles';
import { equalBlocks } from './split';
import type { Family, FusedPart } from './types';

/** chunk(3) of a `[3·d, d]` Wqkv; a Wqkv of another height (grouped-query MPT variants) is not guessed at. */
function wqkv(rows: number, g: Geometry): FusedPart[] | string {
  if (g.hiddenSize !== undefined && rows !== 3 * g.hiddenSize) return `attn.Wqkv.weight has ${rows} output rows, not 3 × d_model = ${3 * g.hiddenSize}`;
  return equalBlocks(['q', 'k', 'v'], rows, 'attn.Wqkv.weight');
}

export const mpt: Family = {
  id: 'mpt',
  label: 'MPT',
  modelTypes: ['mpt'],
  anchor: 'attn.Wqkv.weight',
  direct: { 'attn.out_proj.weight': 'o', 'ffn.up_proj.weight': 'up', 'ffn.down_proj.weight': 'down' },
  fused: { 'attn.Wqkv.weight': { role: 'qkv', split: wqkv } },
  named(suffix) {
    if (suffix === 'norm_1.weight') return 'attn_norm';
    if (suffix === 'norm_2.weight') return 'mlp_norm';
    return undefined;
  },
};
