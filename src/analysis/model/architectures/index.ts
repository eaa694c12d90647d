/**
 * Picks the architecture map for a model: by `model_type` in config.json first; for a type no family
 * lists, by which family's layer anchor the tensor names contain (many newer models reuse Llama's
 * names); otherwise the generic grouping. A bare file without config.json always gets the generic
 * grouping, since nothing says how its fused tensors or head counts are laid out.
 */
import { findLayerPrefix, modelTypeOf, textConfig } from '../roles';
import { mapGeneric } from './generic';
import { MOE_FAMILIES } from './moeFamilies';
import { DENSE_FAMILIES } from './denseFamilies';
import { gpt2 } from './gpt2';
import { gptNeox } from './gptNeox';
import { llama } from './llama';
import { mapFamily } from './mapFamily';
import { isGgufConfig, mapGguf } from './gguf';
import { opt } from './opt';
import { phi3 } from './phi3';
import type { ArchitectureInput, ArchitectureResult } from './result';
import type { Family } from './types';
import { mapWrapper } from './wrappers';

export const FAMILIES: readonly Family[] = [llama, phi3, gpt2, gptNeox, opt, ...DENSE_FAMILIES, ...MOE_FAMILIES];

function classLabel(config: Record<string, unknown> | null): string | undefined {
  const a = config?.architectures;
  return Array.isArray(a) && typeof a[0] === 'string' ? a[0] : undefined;
}

export function mapArchitecture(input: ArchitectureInput): ArchitectureResult {
  const { config } = input;
  if (!config)
    return mapGeneric(
      input,
      'generic',
      'safetensors file',
      "No config.json: layers are found from '.N.' in tensor names and tensors are grouped by name suffix.",
    );
  if (isGgufConfig(config)) return mapGguf(input);
  const wrapped = mapWrapper(input, FAMILIES);
  if (wrapped) return wrapped;
  const type = modelTypeOf(config) ?? modelTypeOf(textConfig(config));
  const label = classLabel(config);
  const byType = FAMILIES.find((f) => type !== undefined && f.modelTypes.includes(type));
  if (byType) return mapFamily(byType, input, type === byType.id ? byType.id : type!, label ?? byType.label);
  const names = [...input.tensors.keys()];
  const byNames = FAMILIES.find((f) => findLayerPrefix(names, f.anchor) !== null);
  if (byNames) {
    const result = mapFamily(byNames, input, type ?? byNames.id, label ?? byNames.label);
    result.notes.unshift(
      `Architecture '${type ?? 'unknown'}' is not in the architecture map; its tensor names follow ${byNames.label}'s, so they are mapped like ${byNames.label}.`,
    );
    return result;
  }
  return mapGeneric(
    input,
    'generic',
    label ?? type ?? 'unknown',
    `Architecture '${type ?? 'unknown'}' is not in the architecture map: layers are found from '.N.' in tensor names and tensors are grouped by name suffix.`,
  );
}
