/**
 * Models whose config.json does not name a family directly, tried before the family table
 * (index.ts): encoder-decoder models (encoderDecoder.ts), and multimodal wrappers whose own
 * `model_type` no family lists but whose language model's (`text_config.model_type`) one does.
 * LlavaModel.__init__ (models/llava/modeling_llava.py) builds its language model from text_config
 * (`self.language_model = AutoModel.from_config(config.text_config)`), so a LLaVA around Mistral or
 * Qwen2 has that family's tensor names, under `language_model.model.layers.N` or, in newer saves
 * (`_checkpoint_conversion_mapping`: `^language_model.model` → `model.language_model`),
 * `model.language_model.layers.N`; the family's anchor finds either.
 */
import { modelTypeOf } from '../roles';
import { mapEncoderDecoder } from './encoderDecoder';
import { mapFamily } from './mapFamily';
import type { ArchitectureInput, ArchitectureResult } from './result';
import type { Family } from './types';

function classLabel(config: Record<string, unknown>): string | undefined {
  const a = config.architectures;
  return Array.isArray(a) && typeof a[0] === 'string' ? a[0] : undefined;
}

/** The map of a model handled here, or null to go on with the family table. */
export function mapWrapper(input: ArchitectureInput, families: readonly Family[]): ArchitectureResult | null {
  const { config } = input;
  if (!config) return null;
  const type = modelTypeOf(config);
  const label = classLabel(config);
  if (config.is_encoder_decoder === true) return mapEncoderDecoder(input, type ?? 'encoder-decoder', label ?? type ?? 'This model');
  if (type !== undefined && families.some((f) => f.modelTypes.includes(type))) return null;
  const text = config.text_config;
  const inner = text && typeof text === 'object' && !Array.isArray(text) ? modelTypeOf(text as Record<string, unknown>) : undefined;
  const family = inner === undefined ? undefined : families.find((f) => f.modelTypes.includes(inner));
  if (!family) return null;
  return mapFamily(family, input, type ?? inner!, label ?? family.label);
}
