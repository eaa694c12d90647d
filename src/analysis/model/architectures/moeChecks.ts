/**
 * Checks across the layers of a mixture-of-experts model, each said with the tensor or config.json
 * key it concerns: a router whose width is not the layer's expert count, an expert count that
 * differs from config.json's (or between layers), and layers config.json makes MoE (or dense)
 * that are stored the other way.
 */
import { textConfig } from '../roles';
import type { LayerInfo } from '../types';
import type { MoeLayerResult } from './moeLayer';
import type { MoeSpec } from './types';

/** A positive integer config.json value under the first of `keys` present, with the key. */
export function configCount(config: Record<string, unknown> | null, keys: readonly string[]): { key: string; value: number } | undefined {
  const c = textConfig(config);
  if (!c) return undefined;
  for (const key of keys) {
    const v = c[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return { key, value: v };
  }
  return undefined;
}

export function checkMoeLayers(
  spec: MoeSpec,
  config: Record<string, unknown> | null,
  layers: LayerInfo[],
  counts: Map<number, MoeLayerResult['count']>,
  notes: Set<string>,
): void {
  const declared = configCount(config, spec.countKeys);
  const text = textConfig(config);
  let firstSeen: { layer: number; experts: number } | undefined;
  for (const l of layers) {
    const count = counts.get(l.index);
    const router = l.extra?.router;
    if (l.moe && count) {
      if (router && router.shape[0] !== count.experts)
        notes.add(
          `Layer ${l.index}: the router '${router.source.tensor}' scores ${router.shape[0]} experts, but the layer stores ${count.experts} (${count.witness}).`,
        );
      if (declared && declared.value !== count.experts)
        notes.add(
          `config.json gives ${declared.key} = ${declared.value}, but layer ${l.index} stores ${count.experts} experts: ${count.witness}. ${
            declared.value > count.experts ? `Experts ${count.experts}…${declared.value - 1} are not in the file.` : ''
          }`.trim(),
        );
      else if (!declared && firstSeen && firstSeen.experts !== count.experts)
        notes.add(`Layer ${l.index} stores ${count.experts} experts but layer ${firstSeen.layer} stores ${firstSeen.experts} (${count.witness}).`);
      firstSeen ??= { layer: l.index, experts: count.experts };
    }
    const expected = text ? spec.isMoeLayer?.(l.index, text) : undefined;
    if (expected === true && !l.moe)
      notes.add(
        `config.json makes layer ${l.index} a mixture-of-experts layer, but it stores no expert tensors${l.roles.down ? ' (it has a dense MLP)' : ''}.`,
      );
    if (expected === false && l.moe) notes.add(`config.json makes layer ${l.index} a dense layer, but it stores experts; they are mapped as stored.`);
  }
}
