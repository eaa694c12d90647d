/**
 * GPT-2: every matrix is a Conv1D whose weight is stored `[in, out]` (the transpose of nn.Linear),
 * and attention is one fused `c_attn` whose output splits into equal q, k, v thirds. The MLP has no
 * gate: `c_fc` is up, `mlp.c_proj` is down.
 */
import { equalBlocks } from './split';
import type { Family } from './types';

export const gpt2: Family = {
  id: 'gpt2',
  label: 'GPT-2',
  modelTypes: ['gpt2'],
  anchor: 'attn.c_attn.weight',
  transposed: true,
  direct: { 'attn.c_proj.weight': 'o', 'mlp.c_fc.weight': 'up', 'mlp.c_proj.weight': 'down' },
  fused: { 'attn.c_attn.weight': { role: 'qkv', split: (rows) => equalBlocks(['q', 'k', 'v'], rows, 'c_attn') } },
  named(suffix) {
    if (suffix.startsWith('ln_1.')) return 'attn_norm';
    if (suffix.startsWith('ln_2.')) return 'mlp_norm';
    // Old checkpoints store the causal mask buffers as `attn.bias` / `attn.masked_bias`.
    if (suffix === 'attn.bias' || suffix === 'attn.masked_bias') return 'other';
    return undefined;
  },
};
