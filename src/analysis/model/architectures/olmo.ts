/**
 * OLMo (models/olmo/modular_olmo.py): Llama's separate `q/k/v/o_proj` and `gate/up/down_proj`
 * (OlmoAttention(LlamaAttention), OlmoMLP without biases), `[out, in]`. Its norms are OlmoLayerNorm,
 * "LayerNorm but with no learnable weight or bias", so a layer stores no norm tensor at all.
 */
import type { Family } from './types';
import { LLAMA_ATTENTION, denseMlp } from './llamaNames';

export const olmo: Family = {
  id: 'olmo',
  label: 'OLMo',
  modelTypes: ['olmo'],
  anchor: 'mlp.down_proj.weight',
  direct: { ...LLAMA_ATTENTION, ...denseMlp('mlp') },
};
